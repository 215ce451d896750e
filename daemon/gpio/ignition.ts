/**
 * Ignition sense: when the (debounced) ignition input drops, a grace period
 * starts; ignition returning within it cancels it (a stall, a cranking dip,
 * a start-stop system); otherwise `onExpired` runs once per drop.
 */
export class IgnitionWatch {
  private timer: NodeJS.Timeout | null = null;
  private droppedAt: number | null = null;

  constructor(
    private readonly graceMs: number,
    private readonly onExpired: (droppedAt: number) => void,
  ) {}

  /** True while a grace period runs. */
  get pending(): boolean {
    return this.timer !== null;
  }

  /** Feeds a debounced level (true = ignition on). */
  level(on: boolean): void {
    if (on) {
      this.cancel();
      return;
    }
    if (this.timer) return;
    const droppedAt = Date.now();
    this.droppedAt = droppedAt;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.onExpired(droppedAt);
    }, this.graceMs);
  }

  /** When the current grace period started, or null. */
  get since(): number | null {
    return this.timer ? this.droppedAt : null;
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.droppedAt = null;
  }
}
