import { describe, expect, it } from 'vitest';
import { formatDate, formatDateTime, setLanguage } from './index.svelte';

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
