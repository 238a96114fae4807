// Planning a 1on1 from Home or a person's page: a second one at the very time the person already
// has one is asked about first (the vault side refuses it with `needs_confirmation` on `at`).
import type { PlanInput, Session } from '../bindings';
import { ipc, IpcFailure } from '../ipc';

/** Plans, or answers `'ask'` when the same person already has a 1on1 at that time. */
export async function planOrAsk(input: Omit<PlanInput, 'again'>, again = false): Promise<Session | 'ask'> {
  try {
    return await ipc.planSession({ ...input, again });
  } catch (e) {
    const problem = e instanceof IpcFailure ? e.error.problem : null;
    if (problem?.field === 'at' && problem.rule === 'needs_confirmation') return 'ask';
    throw e;
  }
}
