/**
 * Simulated GPIO for simulation mode and tests: inputs are set by calling
 * `set()` (tests, or the simulation's own script); outputs are recorded.
 */
import type { GpioDriver, GpioInput, GpioOutput, GpioSink, GpioStatus } from './types.js';

export class SimulatedGpio implements GpioDriver {
  private sink: GpioSink | null = null;
  private readonly inputs = new Map<GpioInput, boolean>([
    ['button', false],
    ['ignition', true],
  ]);
  /** Every output write, in order: a recording fake for tests. */
  readonly writes: Array<{ name: GpioOutput; on: boolean; at: number }> = [];
  readonly outputs = new Map<GpioOutput, boolean>();

  async start(sink: GpioSink): Promise<void> {
    this.sink = sink;
    for (const [name, value] of this.inputs) sink.input(name, value);
  }

  async stop(): Promise<void> {
    this.sink = null;
  }

  status(): GpioStatus {
    return { available: true, reason: null };
  }

  read(name: GpioInput): boolean | null {
    return this.inputs.get(name) ?? null;
  }

  write(name: GpioOutput, on: boolean): void {
    this.outputs.set(name, on);
    this.writes.push({ name, on, at: Date.now() });
  }

  /** Drives an input as the hardware would (including bounce, if called so). */
  set(name: GpioInput, active: boolean): void {
    this.inputs.set(name, active);
    this.sink?.input(name, active);
  }
}
