import { describe, expect, it } from 'vitest';
import { en } from './en';
import { ja } from './ja';

const kana = '\\u3040-\\u30ff\\u4e00-\\u9fff';

describe('the catalogues', () => {
  it('have the same keys, none empty', () => {
    expect(Object.keys(ja).sort()).toEqual(Object.keys(en).sort());
    for (const [key, text] of [...Object.entries(en), ...Object.entries(ja)]) {
      expect(text.trim(), key).not.toBe('');
    }
  });

  it('use the same placeholders in both languages', () => {
    const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(names(ja[key]), key).toEqual(names(en[key]));
    }
  });

  it('write Japanese with full-width brackets and punctuation', () => {
    // Half-width brackets, commas, colons, question marks or quotes in Japanese text.
    const wrong = new RegExp(`[()"]|[${kana}][,.:;?!]|[,:;?!][${kana}]`);
    const offenders = Object.entries(ja).filter(([, text]) => wrong.test(text));
    expect(offenders).toEqual([]);
  });

  it('end Japanese sentences with 。 not a full stop', () => {
    const offenders = Object.entries(ja).filter(([, text]) => /[\u3040-\u30ff\u4e00-\u9fff]\.(\s|$)/.test(text));
    expect(offenders).toEqual([]);
  });
});
