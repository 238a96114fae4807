import { describe, expect, it } from 'vitest';
import { en } from './en';
import { ja } from './ja';

const kana = '\\u3040-\\u30ff\\u4e00-\\u9fff';

describe('Japanese that reads as written by a person', () => {
  it('uses Japanese brackets and punctuation in Japanese text', () => {
    const wrong = new RegExp(`[()]|[${kana}][,:?!]|,[${kana}]`);
    const offenders = Object.entries(ja).filter(([, text]) => wrong.test(text));
    expect(offenders).toEqual([]);
  });
  it('has every message English has', () => {
    expect(Object.keys(ja).sort()).toEqual(Object.keys(en).sort());
  });
});
