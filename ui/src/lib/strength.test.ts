import { describe, expect, it } from 'vitest';
import { strength } from './strength';

describe('strength', () => {
  it('calls short and repetitive passphrases weak', () => {
    expect(strength('short')).toBe('weak');
    expect(strength('aaaaaaaaaaaaaaaa')).toBe('weak');
  });
  it('prefers long, varied passphrases, Japanese included', () => {
    expect(strength('correct horse battery staple')).toBe('strong');
    expect(strength('四月の桜が川沿いに咲く道')).not.toBe('weak');
    expect(strength('abcdefghijkl')).toBe('fair');
  });
});
