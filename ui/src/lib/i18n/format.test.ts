import { describe, expect, it } from 'vitest';
import { formatDate, formatDateTime, formatInstant, setLanguage } from './index.svelte';

describe('dates as the manager reads them', () => {
  it('say the year only for a date outside this one', async () => {
    await setLanguage('ja');
    const year = new Date().getFullYear();
    expect(formatDate(`${year}-04-08`)).not.toContain(String(year));
    expect(formatDate('2024-04-08')).toBe('2024年4月8日(月)');
    expect(formatDateTime('2024-04-08T10:00')).toContain('2024年');
    await setLanguage('en');
    expect(formatDate('2024-04-08')).toContain('2024');
    expect(formatDate(`${year}-04-08`)).not.toContain(String(year));
  });
});

describe('instants as the manager reads them', () => {
  it('show a UTC stamp on this computer\'s clock, not as UTC wall time', async () => {
    await setLanguage('ja');
    const stamp = '2024-04-08T01:30:00Z';
    const local = new Date(stamp);
    const hh = String(local.getHours()).padStart(2, '0');
    const mm = String(local.getMinutes()).padStart(2, '0');
    expect(formatInstant(stamp)).toContain(`${hh}:${mm}`);
    expect(formatInstant(stamp)).toContain(`${local.getMonth() + 1}月${local.getDate()}日`);
    expect(formatInstant('not a time')).toBe('not a time');
  });
});
