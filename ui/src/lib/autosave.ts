// Saves a text a moment after the last keystroke, never mid-composition (IME), and on demand.
export type SaveState = 'saved' | 'dirty' | 'saving' | 'failed';

export class Autosave {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private pending: string | undefined;
  private inFlight: Promise<void> | undefined;
  private composing = false;

  constructor(
    private readonly save: (text: string) => Promise<void>,
    private readonly onState: (state: SaveState, error?: unknown) => void,
    private readonly delayMs = 700,
  ) {}

  /** The text changed. */
  changed(text: string): void {
    this.pending = text;
    this.onState('dirty');
    if (this.composing) return;
    this.schedule();
  }

  compositionStart(): void {
    this.composing = true;
    clearTimeout(this.timer);
  }

  compositionEnd(text: string): void {
    this.composing = false;
    this.changed(text);
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), this.delayMs);
  }

  /** Saves now whatever is pending (leaving the screen, locking, closing). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    if (this.inFlight) await this.inFlight;
    const text = this.pending;
    if (text === undefined) return;
    this.pending = undefined;
    this.onState('saving');
    this.inFlight = this.save(text)
      .then(() => {
        if (this.pending === undefined) this.onState('saved');
      })
      .catch((error: unknown) => {
        if (this.pending === undefined) this.pending = text;
        this.onState('failed', error);
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    await this.inFlight;
  }

  hasPending(): boolean {
    return this.pending !== undefined || this.inFlight !== undefined;
  }
}
