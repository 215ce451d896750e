/**
 * systemd notifications (READY, WATCHDOG, STOPPING) over $NOTIFY_SOCKET.
 *
 * Node core cannot send unix datagrams, so this uses the optional native
 * `unix-dgram` module (as zigbee2mqtt does). Without NOTIFY_SOCKET everything
 * is a no-op; without the module it logs once and the daemon goes on.
 * WATCHDOG=1 is sent from a timer on the main event loop at half of
 * WATCHDOG_USEC, so a blocked loop stops the pings and systemd restarts us.
 */
import { createRequire } from 'node:module';
import type { Logger } from './logger.js';

interface UnixDgramSocket {
  send(buf: Buffer, offset: number, length: number, path: string, cb?: (err?: Error) => void): void;
  close(): void;
  on(event: 'error', cb: (err: Error) => void): void;
}
interface UnixDgramModule {
  createSocket(type: 'unix_dgram'): UnixDgramSocket;
}

export class SdNotify {
  private socket: UnixDgramSocket | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private readonly path: string | undefined;

  constructor(
    private readonly log: Logger,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.path = env.NOTIFY_SOCKET;
  }

  get enabled(): boolean {
    return this.socket !== null;
  }

  /** Opens the socket; call once, early. */
  start(): void {
    if (!this.path) return;
    if (this.path.startsWith('@')) {
      this.log.warn({ socket: this.path }, 'abstract NOTIFY_SOCKET not supported; systemd notifications off');
      return;
    }
    try {
      const mod = createRequire(import.meta.url)('unix-dgram') as UnixDgramModule;
      this.socket = mod.createSocket('unix_dgram');
      this.socket.on('error', (err) => this.log.warn({ err }, 'sd_notify socket error'));
    } catch (err) {
      this.log.warn({ err }, 'unix-dgram not available; systemd notifications off');
    }
  }

  /** READY=1, and the watchdog when systemd asked for one. */
  ready(status: string): void {
    this.send(`READY=1\nSTATUS=${status}\nMAINPID=${process.pid}`);
    const usec = Number(this.env.WATCHDOG_USEC);
    const pid = this.env.WATCHDOG_PID;
    if (this.socket && usec > 0 && (!pid || Number(pid) === process.pid)) {
      const everyMs = Math.max(1, Math.floor(usec / 1000 / 2));
      this.watchdog = setInterval(() => this.send('WATCHDOG=1'), everyMs);
      this.send('WATCHDOG=1');
      this.log.info({ everyMs }, 'systemd watchdog enabled');
    }
  }

  stopping(): void {
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
    this.send('STOPPING=1');
  }

  stop(): void {
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
    this.socket?.close();
    this.socket = null;
  }

  send(text: string): void {
    if (!this.socket || !this.path) return;
    const buf = Buffer.from(text);
    this.socket.send(buf, 0, buf.length, this.path, (err) => {
      if (err) this.log.warn({ err, message: text.split('\n')[0] }, 'sd_notify send failed');
    });
  }
}
