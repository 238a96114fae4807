// Date and time fields in the UI's language, not the browser's: Japanese writes 2026/11/25, English
// (British, like the rest of the English UI) 25/11/2026; time is 24-hour in both. Either also
// takes ISO (2026-11-25) as typed or pasted. Values inside the app stay ISO.
import type { Language } from '../bindings';

const pad = (n: number) => String(n).padStart(2, '0');

function valid(y: number, m: number, d: number): boolean {
  if (y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** `2026-11-25` as the field shows it. */
export function showDate(iso: string, lang: Language): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) return '';
  return lang === 'ja' ? `${m[1]}/${m[2]}/${m[3]}` : `${m[3]}/${m[2]}/${m[1]}`;
}

/** What was typed, as `YYYY-MM-DD`, or `null` if it is not a date. */
export function readDate(text: string, lang: Language): string | null {
  const s = text.trim().normalize('NFKC');
  let y: number, mo: number, d: number;
  let m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/.exec(s);
  if (m) [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  else if (lang === 'en' && (m = /^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$/.exec(s))) [d, mo, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
  else return null;
  return valid(y, mo, d) ? `${y}-${pad(mo)}-${pad(d)}` : null;
}

/** `2026-11-25T18:00` as the field shows it. */
export function showDateTime(iso: string, lang: Language): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  return m ? `${showDate(m[1] ?? "", lang)} ${m[2]}` : "";
}

/** What was typed, as `YYYY-MM-DDTHH:MM`, or `null` if it is not a date and a 24-hour time. */
export function readDateTime(text: string, lang: Language): string | null {
  const s = text.trim().normalize('NFKC');
  const m = /^(.+?)[ T]+(\d{1,2}):(\d{2})$/.exec(s);
  if (!m) return null;
  const day = readDate(m[1] ?? "", lang);
  const [h, min] = [Number(m[2]), Number(m[3])];
  if (!day || h > 23 || min > 59) return null;
  return `${day}T${pad(h)}:${pad(min)}`;
}

/** `2026-11` as the field shows it: 2026/11 in Japanese, 11/2026 in English. */
export function showMonth(iso: string, lang: Language): string {
  const m = /^(\d{4})-(\d{2})$/.exec(iso);
  if (!m) return '';
  return lang === 'ja' ? `${m[1]}/${m[2]}` : `${m[2]}/${m[1]}`;
}

/** What was typed, as `YYYY-MM`, or `null` if it is not a month. */
export function readMonth(text: string, lang: Language): string | null {
  const s = text.trim().normalize('NFKC');
  let y: number, mo: number;
  let m = /^(\d{4})[-/.年](\d{1,2})月?$/.exec(s);
  if (m) [y, mo] = [Number(m[1]), Number(m[2])];
  else if (lang === 'en' && (m = /^(\d{1,2})[/.](\d{4})$/.exec(s))) [mo, y] = [Number(m[1]), Number(m[2])];
  else return null;
  return y >= 1900 && y <= 9999 && mo >= 1 && mo <= 12 ? `${y}-${pad(mo)}` : null;
}

/** The pattern to show as a placeholder. */
export function datePattern(lang: Language): string {
  return lang === 'ja' ? 'YYYY/MM/DD' : 'DD/MM/YYYY';
}
