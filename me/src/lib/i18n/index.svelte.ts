// Message catalogues with typed keys, and dates through Intl in the chosen language. Sentences are
// whole messages with {placeholders}: word order differs between Japanese and English. Both
// catalogues are small and bundled: the page is one file of script, under the CSP's 'self'.
import { en, type MessageKey } from './en';
import { ja } from './ja';
import type { Failure } from '../api';

export type Language = 'ja' | 'en';
export type { MessageKey };

const catalogs: Record<Language, Record<MessageKey, string>> = { en, ja };
const CHOICE = 'taiwa-me.lang';

export const locale = $state<{ lang: Language }>({ lang: 'en' });

/** The browser's language: Japanese for any `ja`, English otherwise. */
export function browserLanguage(languages: readonly string[]): Language {
  return languages[0]?.toLowerCase().startsWith('ja') ? 'ja' : 'en';
}

/** The language chosen on this page before, else the browser's. */
export function initialLanguage(): Language {
  let chosen: string | null = null;
  try {
    chosen = localStorage.getItem(CHOICE);
  } catch {
    chosen = null;
  }
  if (chosen === 'ja' || chosen === 'en') return chosen;
  return browserLanguage(navigator.languages.length ? navigator.languages : [navigator.language]);
}

export function setLanguage(lang: Language, remember = false): void {
  locale.lang = lang;
  document.documentElement.lang = lang;
  document.title = catalogs[lang]['app.title'];
  if (remember) {
    try {
      localStorage.setItem(CHOICE, lang);
    } catch {
      // Not kept: the browser's language is used next time.
    }
  }
}

export function translate(lang: Language, key: MessageKey, params: Record<string, string | number> = {}): string {
  return catalogs[lang][key].replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`));
}

export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  return translate(locale.lang, key, params);
}

/** The message for a failure: every code has one (the type checks it). */
const failureKeys: Record<Failure, MessageKey> = {
  offline: 'error.offline',
  unauthorized: 'error.unauthorized',
  forbidden: 'error.forbidden',
  not_found: 'error.not_found',
  method_not_allowed: 'error.method_not_allowed',
  invalid_json: 'error.invalid_json',
  invalid_body: 'error.invalid_body',
  invalid_input: 'error.invalid_input',
  invalid_records: 'error.invalid_records',
  invalid_code: 'error.invalid_code',
  too_large: 'error.too_large',
  timeout: 'error.timeout',
  rate_limited: 'error.rate_limited',
  unavailable: 'error.unavailable',
  internal: 'error.internal',
  conflict: 'error.conflict',
  unknown: 'error.unknown',
};

export function failureKey(code: Failure): MessageKey {
  return failureKeys[code];
}

function bcp47(): string {
  return locale.lang === 'ja' ? 'ja-JP' : 'en-GB';
}

/** `2026-05-14` as a local date, with its year only when it is not this year. */
export function formatDate(isoDate: string): string {
  const [y, m, d] = isoDate.slice(0, 10).split('-').map(Number);
  if (!y || !m || !d) return isoDate;
  const year = y === new Date().getFullYear() ? {} : { year: 'numeric' as const };
  return new Intl.DateTimeFormat(bcp47(), { ...year, month: 'short', day: 'numeric', weekday: 'short' }).format(
    new Date(y, m - 1, d),
  );
}

/** `2026-05` as a month with its year. */
export function formatMonth(month: string): string {
  const [y, m] = month.split('-').map(Number);
  if (!y || !m) return month;
  return new Intl.DateTimeFormat(bcp47(), { year: 'numeric', month: 'long' }).format(new Date(y, m - 1, 1));
}

export function formatNumber(n: number): string {
  return new Intl.NumberFormat(bcp47()).format(n);
}
