/**
 * Turns the debounced button level into gestures. A long press fires while
 * the button is still held (so the shutdown LED pattern confirms it before
 * the user lets go); its release is then ignored. Releasing earlier is a
 * short press.
 */
export interface ButtonHandlers {
  shortPress(at: number): void;
  longPress(at: number): void;
}

export class ButtonGestures {
  private pressedAt: number | null = null;
  private longTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly longPressMs: number,
    private readonly handlers: ButtonHandlers,
  ) {}

  /** Feeds a debounced level (true = pressed). */
  level(pressed: boolean): void {
    if (pressed) {
      if (this.pressedAt !== null) return;
      this.pressedAt = Date.now();
      this.longTimer = setTimeout(() => {
        this.longTimer = null;
        this.handlers.longPress(Date.now());
      }, this.longPressMs);
      return;
    }
    if (this.pressedAt === null) return;
    const at = this.pressedAt;
    this.pressedAt = null;
    if (this.longTimer) {
      clearTimeout(this.longTimer);
      this.longTimer = null;
      this.handlers.shortPress(at);
    }
  }

  stop(): void {
    if (this.longTimer) clearTimeout(this.longTimer);
    this.longTimer = null;
    this.pressedAt = null;
  }
}
