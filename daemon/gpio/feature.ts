/**
 * The GPIO feature: debounces the driver's inputs, turns the button into
 * event marks (short press) and a safe shutdown (long press), watches the
 * ignition, and shows state on the LEDs. Publishes the `gpio` topic.
 * Everything above the driver is hardware-independent, so it runs the same
 * with the simulated driver.
 */
import type { GpioState, SequencedMessage } from '../protocol.js';
import type { StateStore } from '../state.js';
import type { Logger } from '../logger.js';
import type { GpioDriver, GpioInput } from '../../drivers/gpio/types.js';
import type { SafeShutdown } from '../safe-shutdown.js';
import type { EventMarker } from '../event-marker.js';
import { Debouncer } from './debounce.js';
import { ButtonGestures } from './button.js';
import { IgnitionWatch } from './ignition.js';
import { LedDriver } from './led-driver.js';
import { ledPatterns, samePatterns } from './led-patterns.js';

export interface GpioFeatureOptions {
  debounceMs: number;
  longPressMs: number;
  ignitionGraceMs: number;
}

export class GpioFeature {
  private readonly debouncers: Record<GpioInput, Debouncer>;
  private readonly button: ButtonGestures;
  private readonly ignition: IgnitionWatch;
  private readonly leds: LedDriver;
  private readonly cleanups: Array<() => void> = [];
  private shuttingDown = false;

  constructor(
    private readonly opts: GpioFeatureOptions,
    private readonly driver: GpioDriver,
    private readonly store: StateStore,
    private readonly marker: EventMarker,
    private readonly shutdown: SafeShutdown,
    private readonly log: Logger,
  ) {
    this.button = new ButtonGestures(opts.longPressMs, {
      shortPress: (at) => void this.marker.mark('button', at),
      longPress: () => void this.shutdown.trigger('button long press'),
    });
    this.ignition = new IgnitionWatch(opts.ignitionGraceMs, (droppedAt) => {
      this.log.warn({ droppedAt: new Date(droppedAt).toISOString(), graceMs: opts.ignitionGraceMs }, 'ignition off past the grace period');
      void this.shutdown.trigger('ignition off');
    });
    this.debouncers = {
      button: new Debouncer(opts.debounceMs, (on) => this.onButton(on)),
      ignition: new Debouncer(opts.debounceMs, (on) => this.onIgnition(on)),
    };
    this.leds = new LedDriver(driver);
  }

  async start(): Promise<void> {
    this.cleanups.push(
      this.shutdown.onStart(() => {
        this.shuttingDown = true;
        this.refreshLeds();
      }),
    );
    await this.driver.start({ input: (name, active) => this.debouncers[name].input(active) });
    const status = this.driver.status();
    if (!status.available) this.log.warn({ reason: status.reason }, 'GPIO unavailable; running without button, LEDs and ignition sense');
    this.update({ available: status.available, reason: status.reason, recording: status.available });
    this.cleanups.push(this.store.onMessage((msg) => this.onStoreMessage(msg)));
    this.refreshLeds();
  }

  async stop(): Promise<void> {
    for (const c of this.cleanups.splice(0)) c();
    for (const d of Object.values(this.debouncers)) d.cancel();
    this.button.stop();
    this.ignition.cancel();
    this.leds.stop();
    await this.driver.stop();
  }

  private onButton(pressed: boolean): void {
    this.update({ button: pressed });
    this.button.level(pressed);
  }

  private onIgnition(on: boolean): void {
    this.update({ ignition: on });
    if (!on) this.log.info({ graceMs: this.opts.ignitionGraceMs }, 'ignition off; grace period started');
    else if (this.ignition.pending) this.log.info('ignition back within the grace period');
    this.ignition.level(on);
  }

  private onStoreMessage(msg: SequencedMessage): void {
    // Our own gpio deltas would only recompute the same patterns.
    if (msg.type === 'delta' && msg.topic !== 'gpio') this.refreshLeds();
  }

  private refreshLeds(): void {
    const patterns = ledPatterns({
      gps: this.store.get('gps'),
      downloads: this.store.get('downloads'),
      system: this.store.get('system'),
      shuttingDown: this.shuttingDown,
    });
    this.leds.show(patterns);
    if (!samePatterns(this.store.get('gpio').leds, patterns)) this.update({ leds: patterns });
  }

  private update(patch: Partial<GpioState>): void {
    this.store.set('gpio', { ...this.store.get('gpio'), ...patch });
  }
}
