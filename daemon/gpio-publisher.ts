/**
 * Publishes the `gpio` topic from a GPIO driver's inputs. Debounce, LED
 * patterns and shutdown belong to the GPIO feature built on top of this.
 */
import type { StateStore } from './state.js';
import type { GpioDriver } from '../drivers/gpio/types.js';
import type { Logger } from './logger.js';

export class GpioPublisher {
  constructor(
    private readonly driver: GpioDriver,
    private readonly store: StateStore,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    await this.driver.start({
      input: (name, active) => {
        const s = this.store.get('gpio');
        if (s[name] !== active) this.store.set('gpio', { ...s, [name]: active });
      },
    });
    const status = this.driver.status();
    if (!status.available) this.log.warn({ reason: status.reason }, 'GPIO unavailable; running without button, LEDs and ignition sense');
    const s = this.store.get('gpio');
    this.store.set('gpio', { ...s, available: status.available, reason: status.reason, recording: status.available });
  }

  async stop(): Promise<void> {
    await this.driver.stop();
  }
}
