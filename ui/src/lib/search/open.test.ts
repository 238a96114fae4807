import { describe, expect, it } from 'vitest';
import type { Hit } from '../bindings';
import { hitScreen } from './open';

const hit = (over: Partial<Hit>): Hit => ({
  kind: 'note',
  id: 1,
  session_id: null,
  person_id: 7,
  person_name: '佐藤 花子',
  when: '2026-11-02T10:00:00',
  state: null,
  snippet: [],
  ...over,
});

describe('where a search hit opens', () => {
  it('opens a note at the first word looked for, other text in its session', () => {
    expect(hitScreen(hit({ kind: 'note', session_id: 3 }), ' 評価 面談')).toEqual({ name: 'session', id: 3, find: '評価' });
    expect(hitScreen(hit({ kind: 'agenda', session_id: 3 }), '評価')).toEqual({ name: 'session', id: 3 });
    expect(hitScreen(hit({ kind: 'career', id: 7 }), '評価')).toEqual({ name: 'person', id: 7 });
  });
  it("opens a member's topic where it is taken or offered, else the person", () => {
    expect(hitScreen(hit({ kind: 'member_topic', state: 'taken', session_id: 4 }), 'x')).toEqual({ name: 'session', id: 4 });
    expect(hitScreen(hit({ kind: 'member_topic', state: 'open', session_id: 5 }), 'x')).toEqual({ name: 'session', id: 5 });
    expect(hitScreen(hit({ kind: 'member_topic', state: 'open' }), 'x')).toEqual({ name: 'person', id: 7 });
    expect(hitScreen(hit({ kind: 'member_topic', state: 'withdrawn' }), 'x')).toEqual({ name: 'person', id: 7 });
  });
  it('opens a waiting request on This month, an answered one on the person', () => {
    expect(hitScreen(hit({ kind: 'member_request', state: 'open' }), 'x')).toEqual({ name: 'home' });
    expect(hitScreen(hit({ kind: 'member_request', state: 'answered' }), 'x')).toEqual({ name: 'person', id: 7 });
  });
});
