import { describe, expect, it, vi } from 'vitest';
import { Autosave, type SaveState } from './autosave';

describe('Autosave', () => {
  it('saves once, a moment after the last keystroke', async () => {
    vi.useFakeTimers();
    const saved: string[] = [];
    const states: SaveState[] = [];
    const autosave = new Autosave(async (t) => void saved.push(t), (s) => states.push(s), 500);
    autosave.changed('a');
    autosave.changed('ab');
    await vi.advanceTimersByTimeAsync(400);
    expect(saved).toEqual([]);
    autosave.changed('abc');
    await vi.advanceTimersByTimeAsync(500);
    expect(saved).toEqual(['abc']);
    expect(states.at(-1)).toBe('saved');
    vi.useRealTimers();
  });

  it('never saves in the middle of an IME composition', async () => {
    vi.useFakeTimers();
    const saved: string[] = [];
    const autosave = new Autosave(async (t) => void saved.push(t), () => {}, 100);
    autosave.compositionStart();
    autosave.changed('てん');
    await vi.advanceTimersByTimeAsync(1000);
    expect(saved).toEqual([]);
    autosave.compositionEnd('転職');
    await vi.advanceTimersByTimeAsync(100);
    expect(saved).toEqual(['転職']);
    vi.useRealTimers();
  });

  it('flushes at once on the way out, and keeps the text when saving fails', async () => {
    let fail = true;
    const saved: string[] = [];
    const states: SaveState[] = [];
    const autosave = new Autosave(
      async (t) => {
        if (fail) throw new Error('disk full');
        saved.push(t);
      },
      (s) => states.push(s),
      10_000,
    );
    autosave.changed('important');
    await autosave.flush();
    expect(states.at(-1)).toBe('failed');
    expect(autosave.hasPending()).toBe(true);
    fail = false;
    await autosave.flush();
    expect(saved).toEqual(['important']);
    expect(autosave.hasPending()).toBe(false);
  });
});
