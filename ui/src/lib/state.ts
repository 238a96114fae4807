// How a person's month reads, for the pills on Home and People.
import type { DueState, PersonMonth, SessionState } from './bindings';
import type { MessageKey } from './i18n/en';

export function stateLabel(f: Pick<PersonMonth, 'state' | 'due_by' | 'next_planned'>): { key: MessageKey; date: string | null } {
  const keys: Record<DueState, MessageKey> = {
    done: 'state.done',
    planned: 'state.planned',
    due: 'state.due',
    overdue: 'state.overdue',
    missed: 'state.missed',
  };
  const date = f.state === 'planned' ? f.next_planned : f.state === 'due' || f.state === 'overdue' ? f.due_by : null;
  return { key: keys[f.state], date };
}

/** The pill colour of a session's state: held reads as done, skipped and cancelled as missed. */
export function sessionPill(state: SessionState): 'done' | 'planned' | 'missed' {
  return state === 'held' ? 'done' : state === 'planned' ? 'planned' : 'missed';
}

/** People who still need a 1on1 first, then by name. */
export function byUrgency<T extends { state: DueState; name: string }>(rows: T[]): T[] {
  const order: Record<DueState, number> = { overdue: 0, due: 1, planned: 2, missed: 3, done: 4 };
  return [...rows].sort((a, b) => order[a.state] - order[b.state] || a.name.localeCompare(b.name));
}
