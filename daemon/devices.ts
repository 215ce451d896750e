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
import { OnoffGpio } from '../drivers/gpio/onoff.js';

/**
 * The sample drive that ships with the project (DEPLOY_FILES in the Makefile,
 * installed by deploy/install.sh); `make run` and `--simulate` replay it.
 */
export const SAMPLE_DRIVE = join(PACKAGE_ROOT, 'drivers', 'gps', 'sample-drive.nmea');

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
  const g = config.gpio;
  const p = g.leds.pins;
  // No warning here: the GPIO feature logs the one warning when the driver reports unavailable.
  return new OnoffGpio({
    inputs: { button: g.button, ignition: g.ignition },
    outputs: { ledGps: p.gps, ledDownload: p.download, ledError: p.error, ledDiskGreen: p.diskGreen, ledDiskYellow: p.diskYellow, ledDiskRed: p.diskRed },
    outputActiveLevel: g.leds.activeLevel,
    onWriteError: (output, err) => log.warn({ err, output }, 'GPIO output write failed; further failures of this output are not logged'),
  });
}
