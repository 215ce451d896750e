/**
 * gpsd client over a plain TCP socket. gpsd may start after us (boot order)
 * or restart at any time, so the client reconnects forever with a capped
 * backoff; the cap keeps us back within about a second of gpsd returning.
 * Lines are validated one by one (gpsd-protocol.ts); garbage is dropped.
 */
import { Socket } from 'node:net';
import type { GpsFix } from '../../daemon/protocol.js';
import type { Logger } from '../../daemon/logger.js';
import type { GpsDriver, GpsSink } from './types.js';
import { parseGpsdLine, summarizeSky, tpvToFix, WATCH_COMMAND, type SkySummary } from './gpsd-protocol.js';

export interface GpsdOptions {
  host: string;
  port: number;
  /** First retry delay; doubles per failed attempt up to reconnectMaxMs. */
  reconnectMinMs: number;
  reconnectMaxMs: number;
  /** Unreachable for this long logs one warning (the retries themselves log at debug). Default 5000. */
  warnAfterMs?: number;
}

/** A line longer than this is not gpsd talking: drop it instead of buffering forever. */
const MAX_LINE_BYTES = 256 * 1024;

export class GpsdGps implements GpsDriver {
  readonly source = 'gpsd' as const;
  private socket: Socket | null = null;
  private sink: GpsSink | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryDelay: number;
  private stopped = true;
  private connected = false;
  private buffer = '';
  private sky: SkySummary | null = null;
  private last: GpsFix | null = null;
  /** Since when gpsd has been unreachable (null while connected), and whether that was logged. */
  private downSince: number | null = null;
  private warnedDown = false;
  private lastError = '';

  constructor(
    private readonly opts: GpsdOptions,
    private readonly log: Logger,
  ) {
    this.retryDelay = opts.reconnectMinMs;
  }

  async start(sink: GpsSink): Promise<void> {
    this.sink = sink;
    this.stopped = false;
    this.downSince = Date.now();
    sink.connection(false, `connecting to gpsd at ${this.opts.host}:${this.opts.port}`);
    this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const socket = this.socket;
    this.socket = null;
    if (!socket || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.destroy();
    });
  }

  private connect(): void {
    const socket = new Socket();
    this.socket = socket;
    this.buffer = '';
    socket.setEncoding('utf8');
    socket.setNoDelay(true);
    socket.on('connect', () => {
      // Keepalive notices a gpsd host that vanished without a FIN.
      socket.setKeepAlive(true, 5000);
      socket.write(WATCH_COMMAND);
    });
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // ECONNREFUSED while gpsd is down is the normal case: debug only.
      this.lastError = err.code ?? err.message;
      this.log.debug({ err: err.message, code: err.code }, 'gpsd socket error');
    });
    socket.on('close', () => this.onClose(socket));
    socket.connect(this.opts.port, this.opts.host);
  }

  private onClose(socket: Socket): void {
    if (this.socket !== socket) return;
    this.socket = null;
    if (this.connected) {
      this.connected = false;
      this.downSince = Date.now();
      this.sink?.connection(false, 'gpsd connection closed');
    }
    if (this.stopped) return;
    const downMs = Date.now() - (this.downSince ?? Date.now());
    if (!this.warnedDown && downMs >= (this.opts.warnAfterMs ?? 5000)) {
      this.warnedDown = true;
      this.log.warn({ host: this.opts.host, port: this.opts.port, downMs, error: this.lastError }, 'gpsd not reachable; still retrying');
    }
    const delay = this.retryDelay;
    this.retryDelay = Math.min(this.opts.reconnectMaxMs, this.retryDelay * 2);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.stopped) this.connect();
    }, delay);
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      this.onLine(line);
    }
    if (this.buffer.length > MAX_LINE_BYTES) {
      this.log.warn({ bytes: this.buffer.length }, 'gpsd sent an over-long line; dropped');
      this.buffer = '';
    }
  }

  private onLine(line: string): void {
    const report = parseGpsdLine(line);
    if (!report) {
      if (line.trim()) this.log.debug({ line: line.slice(0, 120) }, 'ignored gpsd line');
      return;
    }
    switch (report.class) {
      case 'VERSION':
        // gpsd greets every client with VERSION: only now is it really up.
        this.retryDelay = this.opts.reconnectMinMs;
        this.connected = true;
        this.downSince = null;
        this.warnedDown = false;
        this.log.info({ release: report.release, proto: `${report.proto_major}.${report.proto_minor}` }, 'gpsd version');
        this.sink?.connection(true, `gpsd ${report.release} at ${this.opts.host}:${this.opts.port}`);
        break;
      case 'DEVICES':
        this.log.info({ devices: report.devices.map((d) => d.path ?? '?') }, 'gpsd devices');
        break;
      case 'SKY':
        this.sky = summarizeSky(report);
        break;
      case 'TPV': {
        const fix = tpvToFix(report, this.sky, this.last);
        if (!fix) break;
        this.last = fix;
        this.sink?.fix(fix);
        break;
      }
    }
  }
}
