import { describe, expect, it } from 'vitest';
import { byUrgency, sessionPill, stateLabel } from './state';

describe('state', () => {
  it('shows the date that matters for each state', () => {
    expect(stateLabel({ state: 'planned', due_by: '2026-11-30', next_planned: '2026-11-27T10:00:00' })).toEqual({ key: 'state.planned', date: '2026-11-27T10:00:00' });
    expect(stateLabel({ state: 'overdue', due_by: '2026-10-31', next_planned: null })).toEqual({ key: 'state.overdue', date: '2026-10-31' });
    expect(stateLabel({ state: 'clear', due_by: '2026-12-02', next_planned: null })).toEqual({ key: 'state.clear', date: '2026-12-02' });
    expect(stateLabel({ state: 'missed', due_by: null, next_planned: null }).date).toBeNull();
  });
  it('colours a session by whether it happened', () => {
    expect(['held', 'planned', 'skipped', 'cancelled'].map((s) => sessionPill(s as 'held'))).toEqual(['done', 'planned', 'missed', 'missed']);
  });
  it('puts who has not been met first', () => {
    const rows = [
      { name: 'Aoi', state: 'clear' as const },
      { name: 'Ken', state: 'due' as const },
      { name: 'Mio', state: 'overdue' as const },
      { name: 'Ai', state: 'due' as const },
    ];
    expect(byUrgency(rows).map((r) => r.name)).toEqual(['Mio', 'Ai', 'Ken', 'Aoi']);
    // Japanese names by how they are read: 渡辺 (わたなべ) after 阿部 (あべ), whatever their characters.
    const read = [
      { name: '渡辺 健', reading: 'わたなべ けん', state: 'due' as const },
      { name: '阿部 真', reading: 'あべ まこと', state: 'due' as const },
    ];
    expect(byUrgency(read).map((r) => r.name)).toEqual(['阿部 真', '渡辺 健']);
  });
});
