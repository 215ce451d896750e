/**
 * Publishes the `system` topic: CPU temperature (where the kernel exposes it),
 * load, memory, free space of the data directory, uptime and event-loop delay.
 * Reads are cheap (a sysfs file, statfs) and run on a timer.
 */
import { readFile, statfs } from 'node:fs/promises';
import os from 'node:os';
import type { SystemState } from './protocol.js';
import type { StateStore } from './state.js';
import type { LoopMonitor } from './loop-monitor.js';
import type { Logger } from './logger.js';

export interface SystemMonitorOptions {
  intervalMs: number;
  dataDir: string;
  thermalFile?: string;
}

export interface DiskSpace {
  freeBytes: number;
  totalBytes: number;
}

export async function diskSpace(dir: string): Promise<DiskSpace | null> {
  try {
    const s = await statfs(dir);
    return { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
  } catch {
    return null;
  }
}

/** CPU temperature in °C from sysfs (millidegrees), or null where there is none. */
export async function cpuTemperature(file = '/sys/class/thermal/thermal_zone0/temp'): Promise<number | null> {
  try {
    const milli = Number((await readFile(file, 'utf8')).trim());
    return Number.isFinite(milli) ? Math.round(milli / 100) / 10 : null;
  } catch {
    return null;
  }
}

export class SystemMonitor {
  private timer: NodeJS.Timeout | null = null;
  private running = false;

  constructor(
    private readonly opts: SystemMonitorOptions,
    private readonly store: StateStore,
    private readonly loop: LoopMonitor,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    await this.sample();
    this.timer = setInterval(() => void this.sample(), this.opts.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async sample(): Promise<SystemState | null> {
    if (this.running) return null; // never stack reads on a slow SD card
    this.running = true;
    try {
      const [temp, disk] = await Promise.all([cpuTemperature(this.opts.thermalFile), diskSpace(this.opts.dataDir)]);
      const [load1, load5, load15] = os.loadavg() as [number, number, number];
      const delay = this.loop.read();
      const state: SystemState = {
        cpuTempC: temp,
        load1,
        load5,
        load15,
        memTotalBytes: os.totalmem(),
        memFreeBytes: os.freemem(),
        rssBytes: process.memoryUsage.rss(),
        diskFreeBytes: disk?.freeBytes ?? null,
        diskTotalBytes: disk?.totalBytes ?? null,
        uptimeS: Math.round(os.uptime()),
        processUptimeS: Math.round(process.uptime()),
        loopDelayP50Ms: delay.p50Ms,
        loopDelayP99Ms: delay.p99Ms,
      };
      this.store.set('system', state);
      return state;
    } catch (err) {
      this.log.warn({ err }, 'system sample failed');
      return null;
    } finally {
      this.running = false;
    }
  }
}
