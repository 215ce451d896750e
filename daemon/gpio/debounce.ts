/**
 * Debounces one digital input in software, above the driver, so it behaves
 * the same on every backend and is tested with mock timers: a new level is
 * accepted only after the raw input has held it for `ms` without a change.
 * Contacts bounce for a few milliseconds on press and release; every bounce
 * restarts the wait, so a burst of edges yields at most one change.
 */
export class Debouncer {
  private stable: boolean | null = null;
  private raw: boolean | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly ms: number,
    private readonly onChange: (level: boolean) => void,
  ) {}

  /** The debounced level, or null before the first level settled. */
  get level(): boolean | null {
    return this.stable;
  }

  /** Feeds a raw level from the driver (edges or repeated levels alike). */
  input(level: boolean): void {
    this.raw = level;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.ms === 0) {
      this.settle();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      this.settle();
    }, this.ms);
  }

  /** Drops a pending change; the stable level stays. */
  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private settle(): void {
    if (this.raw === null || this.raw === this.stable) return;
    this.stable = this.raw;
    this.onChange(this.raw);
  }
}
