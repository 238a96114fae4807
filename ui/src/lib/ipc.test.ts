import { describe, expect, it } from 'vitest';
import { IpcFailure, ipc, setBackend, whenLocked } from './ipc';

describe('ipc', () => {
  it('turns command errors into failures with a stable code', async () => {
    setBackend(async () => {
      throw { code: 'wrong_passphrase', message: 'wrong passphrase' };
    });
    const failure = await ipc.unlock({ passphrase: 'x' }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(IpcFailure);
    expect((failure as IpcFailure).code).toBe('wrong_passphrase');
  });

  it('tells the app when the vault turns out to be locked', async () => {
    let told = 0;
    whenLocked(() => (told += 1));
    setBackend(async () => {
      throw { code: 'locked', message: 'the vault is locked' };
    });
    await ipc.home().catch(() => {});
    expect(told).toBe(1);
  });

  it('sends snake_case arguments the Rust commands expect', async () => {
    const calls: [string, unknown][] = [];
    setBackend(async <T>(command: string, args?: Record<string, unknown>) => {
      calls.push([command, args]);
      return { updated_at: 'now' } as T;
    });
    await ipc.saveNote(7, '本文');
    expect(calls).toEqual([['save_note', { session_id: 7, body: '本文' }]]);
  });
});
