/**
 * NMEA receiver on a serial port (USB: /dev/ttyACM0 or /dev/ttyUSB0; the Pi's
 * UART: /dev/serial0). The device comes and goes (USB unplug, a loose cable),
 * so the driver retries opening every reopenMs forever and reports the
 * connection through the sink. Lines are split here, with a length cap, so a
 * stream of garbage without newlines cannot grow memory.
 */
import { existsSync } from 'node:fs';
import { SerialPort } from 'serialport';
import type { Logger } from '../../daemon/logger.js';
import type { GpsDriver, GpsSink } from './types.js';
import { NmeaAssembler } from './nmea.js';

export const PROBE_PATHS = ['/dev/ttyACM0', '/dev/ttyUSB0', '/dev/serial0'] as const;
const MAX_BUFFER = 4096;

export interface SerialGpsOptions {
  /** Fixed device; when absent the first existing PROBE_PATHS entry is used. */
  path?: string;
  baudRate: number;
  reopenMs: number;
  probePaths?: readonly string[];
}

export class SerialGps implements GpsDriver {
  readonly source = 'serial' as const;
  private port: SerialPort | null = null;
  private sink: GpsSink | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = true;
  private buffer = '';
  private nmea = new NmeaAssembler();
  private lastProblem = '';

  constructor(
    private readonly opts: SerialGpsOptions,
    private readonly log: Logger,
  ) {}

  get stats(): NmeaAssembler['stats'] {
    return this.nmea.stats;
  }

  async start(sink: GpsSink): Promise<void> {
    this.sink = sink;
    this.stopped = false;
    sink.connection(false, 'opening serial GPS');
    this.open();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const port = this.port;
    this.port = null;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  private pickPath(): string | null {
    if (this.opts.path) return this.opts.path;
    return (this.opts.probePaths ?? PROBE_PATHS).find((p) => existsSync(p)) ?? null;
  }

  private retry(problem: string): void {
    // Log each distinct problem once, not every 500 ms while the device is away.
    if (problem !== this.lastProblem) {
      this.lastProblem = problem;
      this.log.warn({ problem }, 'serial GPS unavailable; retrying');
    }
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.stopped) this.open();
    }, this.opts.reopenMs);
  }

  private open(): void {
    const path = this.pickPath();
    if (!path) return this.retry(`no device at ${(this.opts.probePaths ?? PROBE_PATHS).join(', ')}`);
    const port = new SerialPort({ path, baudRate: this.opts.baudRate, autoOpen: false });
    this.port = port;
    this.buffer = '';
    port.on('data', (chunk: Buffer) => this.onData(chunk));
    port.on('error', (err: Error) => this.log.debug({ err: err.message, path }, 'serial GPS error'));
    port.on('close', () => {
      if (this.port !== port) return;
      this.port = null;
      this.sink?.connection(false, `${path} closed (unplugged?)`);
      this.retry(`${path} closed`);
    });
    port.open((err) => {
      if (this.port !== port) return void (port.isOpen && port.close());
      if (err) {
        this.port = null;
        return this.retry(`${path}: ${err.message}`);
      }
      this.lastProblem = '';
      this.log.info({ path, baudRate: this.opts.baudRate }, 'serial GPS open');
      this.sink?.connection(true, `${path} at ${this.opts.baudRate} baud`);
    });
  }

  private onData(chunk: Buffer): void {
    // latin1 maps every byte to one char, so garbage cannot form invalid text.
    this.buffer += chunk.toString('latin1');
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      for (const fix of this.nmea.push(line)) this.sink?.fix(fix);
    }
    if (this.buffer.length > MAX_BUFFER) this.buffer = '';
  }
}
