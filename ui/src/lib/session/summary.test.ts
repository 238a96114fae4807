import { describe, expect, it } from 'vitest';
import type { SessionView } from '../bindings';
import { memberSummary } from './summary';
import { setLanguage, t as translate } from '../i18n/index.svelte';

const real = (key: string, vars?: Record<string, string | number>) => translate(key as never, vars);

const view = {
  session: { id: 1, person_id: 2, person_name: '佐藤 花子', at: '2026-11-25T10:00:00', time_zone: 'Asia/Tokyo', month: '2026-11', planned_minutes: 30, state: 'skipped', held_minutes: null, reason: 'private reason text' },
  agenda: [
    { id: 1, session_id: 1, text: '評価の振り返り', kind: 'career', wants: 'advise', done: true, carried_from: null, from_member: false },
    { id: 2, session_id: 1, text: '研修の相談', kind: 'work', wants: null, done: false, carried_from: null, from_member: false },
  ],
  note: { session_id: 1, body: 'PRIVATE NOTE 転職を考えている', updated_at: '' },
  open_actions: [
    { id: 9, person_id: 2, person_name: '佐藤 花子', session_id: 1, text: '研修の案内を送る', owner: 'manager', due_date: '2026-12-01', done_date: null, created_at: '' },
  ],
} as unknown as SessionView;

const t = (key: string, vars: Record<string, string | number> = {}) => `${key}${Object.values(vars).join('|')}`;

describe('the member-facing summary', () => {
  it('has the agenda and the action items, never the note or the reason', () => {
    const md = memberSummary(view, t, (d) => d.slice(0, 10));
    expect(md).toContain('- [x] 評価の振り返り');
    expect(md).toContain('- [ ] summary.nextTime研修の相談');
    expect(md).toContain('研修の案内を送る');
    expect(md).toContain('2026-12-01');
    expect(md).not.toContain('PRIVATE NOTE');
    expect(md).not.toContain('転職');
    expect(md).not.toContain('private reason');
  });

  it('carries an item in Japanese with Japanese brackets', async () => {
    await setLanguage('ja');
    const md = memberSummary(view, real, (d) => d.slice(0, 10));
    expect(md).toContain('- [ ] 研修の相談（次回へ）');
    await setLanguage('en');
    expect(memberSummary(view, real, (d) => d.slice(0, 10))).toContain('- [ ] 研修の相談 (next time)');
  });
});
