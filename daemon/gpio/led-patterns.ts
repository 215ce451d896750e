/**
 * What the status LEDs show, derived from state by one pure function so every
 * rule is tested without hardware or timers:
 *
 * - gps: on = fix (2D/3D, not stale); slow blink = receiver connected but no
 *   fix; off = no receiver.
 * - download: on = a job is running; slow blink = a job waits (network, disk);
 *   off = idle.
 * - error: on = the GPS receiver is disconnected, a download failed, or the
 *   disk is almost full (< 10 % free).
 * - disk (green/yellow/red, a traffic light): green >= 70 % free, yellow
 *   30-70 %, red < 30 %, red blinking fast < 10 %; all off when unknown.
 * - shutting down: every LED blinks slowly, in step.
 */
import type { DownloadJob, GpsState, LedPattern, SystemState } from '../protocol.js';
import type { GpioOutput } from '../../drivers/gpio/types.js';

export const LED_NAMES = ['gps', 'download', 'error', 'diskGreen', 'diskYellow', 'diskRed'] as const;
export type LedName = (typeof LED_NAMES)[number];
export type LedPatterns = Record<LedName, LedPattern>;

/** The driver output that carries each LED. */
export const LED_OUTPUT: Record<LedName, GpioOutput> = {
  gps: 'ledGps',
  download: 'ledDownload',
  error: 'ledError',
  diskGreen: 'ledDiskGreen',
  diskYellow: 'ledDiskYellow',
  diskRed: 'ledDiskRed',
};

export interface LedInputs {
  gps: Readonly<GpsState>;
  downloads: Readonly<Record<string, DownloadJob>>;
  system: Readonly<SystemState> | null;
  shuttingDown: boolean;
}

export type DiskLevel = 'unknown' | 'green' | 'yellow' | 'red' | 'critical';

export function diskLevel(system: Readonly<SystemState> | null): DiskLevel {
  const free = system?.diskFreeBytes;
  const total = system?.diskTotalBytes;
  if (free == null || total == null || total <= 0) return 'unknown';
  const pct = (free / total) * 100;
  if (pct >= 70) return 'green';
  if (pct >= 30) return 'yellow';
  if (pct >= 10) return 'red';
  return 'critical';
}

export function ledPatterns(s: LedInputs): LedPatterns {
  if (s.shuttingDown) {
    return { gps: 'blinkSlow', download: 'blinkSlow', error: 'blinkSlow', diskGreen: 'blinkSlow', diskYellow: 'blinkSlow', diskRed: 'blinkSlow' };
  }
  const jobs = Object.values(s.downloads);
  const hasFix = s.gps.connected && s.gps.fix !== null && s.gps.fix.mode !== 'none' && !s.gps.stale;
  const disk = diskLevel(s.system);
  const error = !s.gps.connected || jobs.some((j) => j.state === 'failed') || disk === 'critical';
  return {
    gps: hasFix ? 'on' : s.gps.connected ? 'blinkSlow' : 'off',
    download: jobs.some((j) => j.state === 'running')
      ? 'on'
      : jobs.some((j) => j.state === 'waitingForNetwork' || j.state === 'diskLow')
        ? 'blinkSlow'
        : 'off',
    error: error ? 'on' : 'off',
    diskGreen: disk === 'green' ? 'on' : 'off',
    diskYellow: disk === 'yellow' ? 'on' : 'off',
    diskRed: disk === 'red' ? 'on' : disk === 'critical' ? 'blinkFast' : 'off',
  };
}

export function samePatterns(a: Readonly<Record<string, LedPattern>>, b: Readonly<Record<string, LedPattern>>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}
