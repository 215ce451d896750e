/**
 * Picks the device drivers from the config: the one place that knows which
 * implementations exist. Simulation mode always gets the simulated ones.
 */
import type { Config } from './config/schema.js';
import type { Logger } from './logger.js';
import type { GpsDriver, GpsSink } from '../drivers/gps/types.js';
import type { GpioDriver } from '../drivers/gpio/types.js';
import { SimulatedGps } from '../drivers/gps/simulated.js';
import { SimulatedGpio } from '../drivers/gpio/simulated.js';

/**
 * Stands in for a hardware driver this build does not have yet: it reports
 * itself disconnected with the reason, so health and the UI tell the truth.
 */
class UnavailableGps implements GpsDriver {
  readonly source = 'none' as const;
  constructor(private readonly reason: string) {}
  async start(sink: GpsSink): Promise<void> {
    sink.connection(false, this.reason);
  }
  async stop(): Promise<void> {}
}

class UnavailableGpio implements GpioDriver {
  constructor(private readonly reason: string) {}
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  status() {
    return { available: false, reason: this.reason };
  }
  read(): boolean | null {
    return null;
  }
  write(): void {}
}

export function createGpsDriver(config: Config, log: Logger): GpsDriver {
  if (config.simulate || config.gps.driver === 'simulated') return new SimulatedGps({ speedup: config.gps.simulatedSpeedup });
  log.warn({ driver: config.gps.driver }, 'GPS driver not available in this build');
  return new UnavailableGps(`${config.gps.driver} driver not available in this build`);
}

export function createGpioDriver(config: Config, log: Logger): GpioDriver {
  if (config.simulate || config.gpio.driver === 'simulated') return new SimulatedGpio();
  log.warn({ driver: config.gpio.driver }, 'GPIO driver not available in this build');
  return new UnavailableGpio(`${config.gpio.driver} driver not available in this build`);
}
