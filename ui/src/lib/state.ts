// How a person's month reads, for the pills on Home and People. Two things never mixed: the
// rhythm (what is owed next, from `state`) and HR's figure (`met`: a session was held this month).
import type { DueState, PersonMonth, SessionState } from './bindings';
import type { MessageKey } from './i18n/en';

export function stateLabel(f: Pick<PersonMonth, 'state' | 'due_by' | 'next_planned'>): { key: MessageKey; date: string | null } {
  const keys: Record<DueState, MessageKey> = {
    clear: 'state.clear',
    planned: 'state.planned',
    due: 'state.due',
    overdue: 'state.overdue',
    missed: 'state.missed',
  };
  const date = f.state === 'planned' ? f.next_planned : f.state === 'missed' ? null : f.due_by;
  return { key: keys[f.state], date };
}

/** The pill colour of a session's state: held reads as done, skipped and cancelled as missed. */
export function sessionPill(state: SessionState): 'done' | 'planned' | 'missed' {
  return state === 'held' ? 'done' : state === 'planned' ? 'planned' : 'missed';
}

/** People who still need a 1on1 first, then as the people list has them: by reading (ふりがな)
 * where there is one, else by the name as written. */
export function byUrgency<T extends { state: DueState; name: string; reading?: string | null }>(rows: T[]): T[] {
  const order: Record<DueState, number> = { overdue: 0, due: 1, planned: 2, missed: 3, clear: 4 };
  const key = (r: T) => r.reading ?? r.name;
  return [...rows].sort((a, b) => order[a.state] - order[b.state] || key(a).localeCompare(key(b), 'ja'));
}
