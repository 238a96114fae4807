// A rough passphrase strength hint: length and variety, not a guarantee.
import { MIN_PASSPHRASE_CHARS } from './bindings';

export type Strength = 'weak' | 'fair' | 'good' | 'strong';

export function strength(passphrase: string): Strength {
  const chars = [...passphrase];
  if (chars.length < MIN_PASSPHRASE_CHARS) return 'weak';
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^\p{ASCII}]/u, /[\s\p{P}\p{S}]/u].filter((re) => re.test(passphrase)).length;
  const distinct = new Set(chars).size;
  const score = chars.length / 4 + classes * 1.5 + distinct / 4;
  if (distinct < 6) return 'weak';
  if (score < 9) return 'fair';
  if (score < 13) return 'good';
  return 'strong';
}
