import { describe as group, expect, it } from 'vitest';
import type { ErrorCode, IpcError, Rule } from './bindings';
import { codeMessages, describe, errorText, ruleMessages, syncOutcome } from './errors';
import { IpcFailure } from './ipc';
import { setLanguage } from './i18n/index.svelte';
import { en } from './i18n/en';
import { ja } from './i18n/ja';

const japanese = /[\u3040-\u30ff\u4e00-\u9fff]/;

function error(code: ErrorCode, extra: Partial<IpcError> = {}): IpcError {
  return { code, message: 'ENGLISH FROM RUST', problem: null, detail: null, ...extra };
}

group('errors', () => {
  it('has a Japanese and an English message for every code and every rule', () => {
    const keys = [...Object.values(codeMessages), ...Object.values(ruleMessages)];
    expect(Object.keys(codeMessages)).toHaveLength(23);
    expect(Object.keys(ruleMessages)).toHaveLength(24);
    for (const key of keys) {
      expect(en[key], key).toBeTruthy();
      expect(ja[key], key).toMatch(japanese);
      expect(ja[key], key).not.toBe(en[key]);
    }
  });

  it('never shows Rust’s English sentence in the Japanese UI', async () => {
    await setLanguage('ja');
    for (const code of Object.keys(codeMessages) as ErrorCode[]) {
      const text = errorText(new IpcFailure(error(code, { detail: '30' })));
      expect(text, code).toMatch(japanese);
      expect(text, code).not.toContain('ENGLISH FROM RUST');
    }
    for (const rule of Object.keys(ruleMessages) as Rule[]) {
      const text = describe(
        error('invalid_input', { problem: { field: 'name', rule, limit: 200, value: '佐藤 花子', message: 'x' } }),
      );
      expect(text, rule).toMatch(japanese);
      expect(text, rule).not.toContain('{');
    }
  });

  it('names the field, the limit and the value', async () => {
    await setLanguage('ja');
    const long = error('invalid_input', {
      problem: { field: 'agenda_item', rule: 'too_long', limit: 2000, value: '2001', message: 'x' },
    });
    expect(describe(long)).toBe('アジェンダ項目が長すぎます。2000文字以内にしてください。');
    const taken = error('invalid_input', {
      problem: { field: 'employee_id', rule: 'taken', limit: null, value: '佐藤 花子', message: 'x' },
    });
    expect(describe(taken)).toContain('佐藤 花子さん');
    await setLanguage('en');
    expect(describe(long)).toBe('The agenda item is too long: at most 2000 characters.');
    expect(describe(error('damaged', { detail: 'key_file' }))).toContain('key file');
    expect(describe(error('not_found', { detail: 'session' }))).toContain('This session no longer exists');
  });

  it('says the sync log and the last error in the UI’s language, keeping old entries’ words', async () => {
    await setLanguage('ja');
    expect(syncOutcome('sent', 'sent')).toBe('送信済み');
    expect(syncOutcome('unreachable', 'the server cannot be reached (…)')).toMatch(japanese);
    expect(syncOutcome('rejected', 'refused by the server')).toMatch(japanese);
    expect(syncOutcome(null, 'written before codes were kept')).toBe('written before codes were kept');
    await setLanguage('en');
    expect(syncOutcome('token_revoked', 'x')).toContain('no longer accepts this computer');
  });
});
