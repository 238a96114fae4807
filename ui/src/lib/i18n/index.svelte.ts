// Message catalogs with typed keys, and dates and numbers through Intl in the chosen language.
// Sentences are whole messages with {placeholders}: word order differs between Japanese and English.
// Each language's catalog is a chunk of its own, fetched when that language is first used: the
// first screen parses one catalog, not both (docs/BENCHMARKS.md, cold start).
import type { MessageKey } from './en';
import type { Language } from '../bindings';

type Catalog = Record<MessageKey, string>;

const catalogs: Partial<Record<Language, Catalog>> = {};
const loaders: Record<Language, () => Promise<Catalog>> = {
  en: () => import('./en').then((m) => m.en),
  ja: () => import('./ja').then((m) => m.ja),
};

export const locale = $state<{ lang: Language }>({ lang: 'en' });

/** The language to use when the user has not chosen one: the OS's. */
export function systemLanguage(languages: readonly string[] = navigator.languages): Language {
  return languages.some((l) => l.toLowerCase().startsWith('ja')) ? 'ja' : 'en';
}

/** Fetches `lang`'s catalog once. */
export async function loadLanguage(lang: Language): Promise<void> {
  catalogs[lang] ??= await loaders[lang]();
}

/** Switches to `lang` (the OS's when null) once its catalog is in. */
export async function setLanguage(lang: Language | null): Promise<void> {
  const chosen = lang ?? systemLanguage();
  await loadLanguage(chosen);
  locale.lang = chosen;
  document.documentElement.lang = chosen;
}

/** Whether `key` names a message (for codes that arrive from Rust as text). */
export function hasMessage(key: string): key is MessageKey {
  return key in (catalogs[locale.lang] ?? {});
}

export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  // Nothing is said before the first catalog is in (the app waits for it before its first screen).
  const template = catalogs[locale.lang]?.[key] ?? '';
  return template.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`));
}

function bcp47(): string {
  return locale.lang === 'ja' ? 'ja-JP' : 'en-GB';
}

/** `2026-11-20` as a short local date. */
export function formatDate(isoDate: string): string {
  const [y, m, d] = isoDate.slice(0, 10).split('-').map(Number);
  if (!y || !m || !d) return isoDate;
  return new Intl.DateTimeFormat(bcp47(), { ...otherYear(y), month: 'short', day: 'numeric', weekday: 'short' }).format(
    new Date(y, m - 1, d),
  );
}

/** A date outside this year says its year (「2024年4月8日(月)」), one in it does not. */
function otherYear(year: number): { year?: 'numeric' } {
  return year === new Date().getFullYear() ? {} : { year: 'numeric' };
}

/** A UTC instant (`2026-11-20T01:00:00Z`, as the server and the vault store them) as date and
 * time on this computer's clock. */
export function formatInstant(stamp: string): string {
  const d = new Date(stamp);
  if (Number.isNaN(d.getTime())) return stamp;
  const pad = (n: number) => String(n).padStart(2, '0');
  return formatDateTime(`${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`);
}

/** `2026-11-20T10:00:00` (local civil time) as date and time. */
export function formatDateTime(isoLocal: string): string {
  const [date, time = '00:00'] = isoLocal.split('T');
  const [y, m, d] = (date ?? '').split('-').map(Number);
  const [hh, mm] = time.split(':').map(Number);
  if (!y || !m || !d) return isoLocal;
  return new Intl.DateTimeFormat(bcp47(), {
    ...otherYear(y),
    month: 'short',
    day: 'numeric',
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
  }).format(new Date(y, m - 1, d, hh ?? 0, mm ?? 0));
}

/** `2026-11` as a month name with its year. */
export function formatMonth(month: string, style: 'long' | 'short' = 'long'): string {
  const [y, m] = month.split('-').map(Number);
  if (!y || !m) return month;
  const options: Intl.DateTimeFormatOptions =
    style === 'long' ? { year: 'numeric', month: 'long' } : { month: 'narrow' };
  return new Intl.DateTimeFormat(bcp47(), options).format(new Date(y, m - 1, 1));
}
