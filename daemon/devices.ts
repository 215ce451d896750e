/**
 * Picks the device drivers from the config: the one place that knows which
 * implementations exist. Simulation mode always gets the simulated ones.
 */
import type { Config } from './config/schema.js';
import type { Logger } from './logger.js';
import { join } from 'node:path';
import type { GpsDriver } from '../drivers/gps/types.js';
import type { GpioDriver } from '../drivers/gpio/types.js';
import { SimulatedGps } from '../drivers/gps/simulated.js';
import { GpsdGps } from '../drivers/gps/gpsd.js';
import { SerialGps } from '../drivers/gps/serial.js';
import { FallbackGps } from '../drivers/gps/fallback.js';
import { PACKAGE_ROOT } from './version.js';
import { SimulatedGpio } from '../drivers/gpio/simulated.js';

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

/** The sample drive that ships with the project; `make run` replays it. */
export const SAMPLE_DRIVE = join(PACKAGE_ROOT, 'test', 'fixtures', 'drive.nmea');

export function createGpsDriver(config: Config, log: Logger): GpsDriver {
  const g = config.gps;
  if (config.simulate || g.driver === 'simulated') return new SimulatedGps({ file: g.replayFile ?? SAMPLE_DRIVE, speedup: g.simulatedSpeedup });
  const gpsLog = log.child({ module: 'gps' });
  const gpsd = (): GpsdGps => new GpsdGps(g.gpsd, gpsLog.child({ driver: 'gpsd' }));
  const serial = (): SerialGps =>
    new SerialGps({ path: g.serial.path, baudRate: g.serial.baudRate, reopenMs: g.serial.reopenMs }, gpsLog.child({ driver: 'serial' }));
  switch (g.driver) {
    case 'gpsd':
      return gpsd();
    case 'serial':
      return serial();
    case 'auto':
      return new FallbackGps({ fallbackAfterMs: g.fallbackAfterMs }, gpsd(), serial(), gpsLog);
  }
}

export function createGpioDriver(config: Config, log: Logger): GpioDriver {
  if (config.simulate || config.gpio.driver === 'simulated') return new SimulatedGpio();
  log.warn({ driver: config.gpio.driver }, 'GPIO driver not available in this build');
  return new UnavailableGpio(`${config.gpio.driver} driver not available in this build`);
}
