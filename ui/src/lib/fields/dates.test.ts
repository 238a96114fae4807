import { describe, expect, it } from 'vitest';
import { readDate, readDateTime, readMonth, showDate, showDateTime, showMonth } from './dates';

describe('date fields', () => {
  it('show dates the Japanese and the British way, times in 24 hours', () => {
    expect(showDate('2026-11-25', 'ja')).toBe('2026/11/25');
    expect(showDate('2026-11-25', 'en')).toBe('25/11/2026');
    expect(showDateTime('2026-11-25T18:05', 'ja')).toBe('2026/11/25 18:05');
    expect(showDateTime('2026-11-25T08:00:00', 'en')).toBe('25/11/2026 08:00');
  });

  it('read what is typed, in the language’s order or ISO, and refuse what is no date', () => {
    expect(readDate('2026/11/25', 'ja')).toBe('2026-11-25');
    expect(readDate('２０２６/１/５', 'ja')).toBe('2026-01-05');
    expect(readDate('2026年11月25日', 'ja')).toBe('2026-11-25');
    expect(readDate('25/11/2026', 'en')).toBe('2026-11-25');
    expect(readDate('2026-11-25', 'en')).toBe('2026-11-25');
    expect(readDate('25/11/2026', 'ja')).toBeNull();
    expect(readDate('2026/02/30', 'ja')).toBeNull();
    expect(readDate('2028/02/29', 'ja')).toBe('2028-02-29');
    expect(readDate('tomorrow', 'en')).toBeNull();
    expect(readDateTime('2026/11/25 9:30', 'ja')).toBe('2026-11-25T09:30');
    expect(readDateTime('2026-11-25T18:00', 'en')).toBe('2026-11-25T18:00');
    expect(readDateTime('25/11/2026 24:00', 'en')).toBeNull();
    expect(readDateTime('25/11/2026 6pm', 'en')).toBeNull();
  });

  it('read and show months the same way', () => {
    expect(showMonth('2026-04', 'ja')).toBe('2026/04');
    expect(showMonth('2026-04', 'en')).toBe('04/2026');
    expect(readMonth('2026年4月', 'ja')).toBe('2026-04');
    expect(readMonth('4/2026', 'en')).toBe('2026-04');
    expect(readMonth('2026-13', 'en')).toBeNull();
    expect(readMonth('4/2026', 'ja')).toBeNull();
  });

  it('round-trips every day of a year', () => {
    for (let d = new Date(Date.UTC(2028, 0, 1)); d.getUTCFullYear() === 2028; d.setUTCDate(d.getUTCDate() + 1)) {
      const iso = d.toISOString().slice(0, 10);
      for (const lang of ['ja', 'en'] as const) expect(readDate(showDate(iso, lang), lang)).toBe(iso);
    }
  });
});
