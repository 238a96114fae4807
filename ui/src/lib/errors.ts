// Every failure from Rust, said in the UI's language: by its code, and for invalid input by the
// rule it broke with its field, limit and value. No English sentence from Rust reaches the screen.
import type { ErrorCode, IpcError, Rule } from './bindings';
import { IpcFailure } from './ipc';
import { hasMessage, t } from './i18n/index.svelte';
import type { MessageKey } from './i18n/en';

/** One message per code: the compiler refuses a code without one. */
export const codeMessages: Record<ErrorCode, MessageKey> = {
  locked: 'err.locked',
  wrong_passphrase: 'err.wrong_passphrase',
  wrong_recovery_key: 'err.wrong_recovery_key',
  no_vault: 'err.no_vault',
  vault_exists: 'err.vault_exists',
  damaged: 'err.damaged',
  no_encryption: 'err.no_encryption',
  too_new: 'err.too_new',
  not_found: 'err.not_found',
  invalid_input: 'err.invalid_input',
  disk_full: 'err.disk_full',
  io: 'err.io',
  busy: 'err.busy',
  internal: 'err.internal',
  invalid_server: 'err.invalid_server',
  invalid_ca_file: 'err.invalid_ca_file',
  not_enrolled: 'err.not_enrolled',
  unreachable: 'err.unreachable',
  token_revoked: 'err.token_revoked',
  invalid_code: 'err.invalid_code',
  rejected: 'err.rejected',
  rate_limited: 'err.rate_limited',
  server_error: 'err.server_error',
};

/** One message per rule of invalid input. */
export const ruleMessages: Record<Rule, MessageKey> = {
  empty: 'rule.empty',
  too_long: 'rule.too_long',
  too_large: 'rule.too_large',
  control_characters: 'rule.control_characters',
  not_a_date: 'rule.not_a_date',
  not_a_date_time: 'rule.not_a_date_time',
  not_a_month: 'rule.not_a_month',
  not_an_email: 'rule.not_an_email',
  not_an_employee_id: 'rule.not_an_employee_id',
  taken: 'rule.taken',
  ends_before_start: 'rule.ends_before_start',
  range_too_long: 'rule.range_too_long',
  out_of_range: 'rule.out_of_range',
  archived: 'rule.archived',
  wrong_state: 'rule.wrong_state',
  wrong_person: 'rule.wrong_person',
  file_exists: 'rule.file_exists',
  not_a_file_name: 'rule.not_a_file_name',
  passphrase_too_short: 'rule.passphrase_too_short',
  passphrases_differ: 'rule.passphrases_differ',
  not_a_recovery_key: 'rule.not_a_recovery_key',
  recovery_key_typo: 'rule.recovery_key_typo',
  needs_confirmation: 'rule.needs_confirmation',
  not_a_link: 'rule.not_a_link',
};

function known(prefix: string, name: string | null | undefined): string {
  if (!name) return '';
  const key = `${prefix}.${name}`;
  return hasMessage(key) ? t(key) : name;
}

/** The error in the UI's language. */
export function describe(error: IpcError): string {
  if (error.code === 'invalid_input' && error.problem) {
    const p = error.problem;
    const value =
      p.rule === 'wrong_state' && p.value ? known('sessionState', p.value).toLowerCase() : (p.value ?? '');
    return t(ruleMessages[p.rule], { field: known('field', p.field), limit: p.limit ?? '', value });
  }
  const detail =
    error.code === 'damaged' ? known('part', error.detail) : error.code === 'not_found' ? known('thing', error.detail) : (error.detail ?? '');
  return t(codeMessages[error.code], { detail });
}

/** Any failure caught in the UI as a message to show. */
export function errorText(e: unknown): string {
  if (e instanceof IpcFailure) return describe(e.error);
  return t('error.generic', { message: e instanceof Error ? e.message : String(e) });
}

/** A sync code (a log entry's outcome, the last error) in words; old entries keep their text. */
export function syncOutcome(code: string | null, words: string): string {
  if (!code) return words;
  if (code === 'sent' || code === 'rejected') return t(`syncOutcome.${code}` as MessageKey);
  return code in codeMessages ? t(codeMessages[code as ErrorCode], { detail: '' }) : words;
}
