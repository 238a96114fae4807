// Where a search hit opens: the text in its place, or the screen that acts on it.
import type { Hit } from '../bindings';
import type { Screen } from '../nav.svelte';

/**
 * A note opens its session with the first word of the query found in it; an agenda or action
 * item its session; a member's topic the session that took it or, while open, the next 1on1's
 * Prepare that offers it (else the person); a request still waiting This month, where it is
 * answered, and an answered one the person; anything else the person.
 */
export function hitScreen(hit: Hit, query: string): Screen {
  if (hit.kind === 'member_request') {
    return hit.state === 'open' ? { name: 'home' } : { name: 'person', id: hit.person_id };
  }
  if (hit.session_id === null) return { name: 'person', id: hit.person_id };
  if (hit.kind === 'note') return { name: 'session', id: hit.session_id, find: query.trim().split(/\s+/)[0] };
  return { name: 'session', id: hit.session_id };
}
