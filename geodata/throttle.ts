/**
 * Rate limit per key with a trailing call: flush(key) runs at most once per
 * interval, and the last call within an interval always runs at its end, so
 * the newest state is never lost.
 */
export class KeyedThrottle {
  private readonly slots = new Map<string, { at: number; timer: NodeJS.Timeout | null }>();

  constructor(
    private readonly intervalMs: number,
    private readonly flush: (key: string) => void,
  ) {}

  call(key: string): void {
    const slot = this.slots.get(key) ?? { at: 0, timer: null };
    this.slots.set(key, slot);
    if (slot.timer) return;
    const run = (): void => {
      slot.timer = null;
      slot.at = Date.now();
      this.flush(key);
    };
    const wait = slot.at + this.intervalMs - Date.now();
    if (wait <= 0) run();
    else slot.timer = setTimeout(run, wait);
  }

  /** Drops a key and any pending call for it. */
  forget(key: string): void {
    const slot = this.slots.get(key);
    if (slot?.timer) clearTimeout(slot.timer);
    this.slots.delete(key);
  }

  stop(): void {
    for (const key of [...this.slots.keys()]) this.forget(key);
  }
}
