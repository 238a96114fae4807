// Where the app is, and a guard that runs before leaving a screen (to save a note first).
export type Screen =
  | { name: 'home' }
  | { name: 'people' }
  | { name: 'person'; id: number }
  | { name: 'session'; id: number; find?: string }
  | { name: 'search' }
  | { name: 'export'; person?: number }
  | { name: 'settings' }
  | { name: 'sync' };

export const nav = $state<{ screen: Screen }>({ screen: { name: 'home' } });

let guard: (() => Promise<void>) | undefined;

/** A screen with unsaved work registers how to save it; `undefined` clears. */
export function setLeaveGuard(save: (() => Promise<void>) | undefined): void {
  guard = save;
}

/** Runs the guard (saving what is pending) without leaving. */
export async function saveBeforeLeaving(): Promise<void> {
  if (guard) await guard();
}

export async function go(screen: Screen): Promise<void> {
  await saveBeforeLeaving();
  guard = undefined;
  nav.screen = screen;
}
