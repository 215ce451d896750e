/**
 * Starts a bench server child (bench/server.ts, bundled) and drives it over IPC.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildServer } from './build-server.js';
import type { FromServer, ServerKind, ServerWindow, ToServer } from './ipc.js';

/** How old a server process must be before its CPU is measured. */
export const WARM_MS = 11_000;

export class ServerProcess {
  private waiters: Array<{ type: FromServer['type']; resolve: (m: FromServer) => void }> = [];
  private readonly exited: Promise<number | null>;

  private constructor(
    readonly child: ChildProcess,
    readonly ready: Extract<FromServer, { type: 'ready' }>,
    readonly spawnedAt: number,
  ) {
    child.on('message', (m: FromServer) => {
      const i = this.waiters.findIndex((w) => w.type === m.type);
      if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(m);
    });
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  static async start(kind: ServerKind): Promise<ServerProcess> {
    const bundle = await buildServer();
    const spawnedAt = Date.now();
    const child = spawn(process.execPath, ['--enable-source-maps', bundle, kind], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const ready = await new Promise<Extract<FromServer, { type: 'ready' }>>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`bench server ${kind} not ready in 30 s`)), 30_000);
      child.on('message', (m: FromServer) => {
        if (m.type === 'ready') (clearTimeout(t), resolve(m));
      });
      child.once('exit', (code) => (clearTimeout(t), reject(new Error(`bench server ${kind} exited with ${code}`))));
    });
    return new ServerProcess(child, ready, spawnedAt);
  }

  /**
   * Waits until the process is `ageMs` old. V8's memory reducer runs a few
   * full GCs about 8 s after start; a window must not count that start-up work.
   */
  async warm(ageMs = WARM_MS): Promise<void> {
    const left = this.spawnedAt + ageMs - Date.now();
    if (left > 0) await sleep(left);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.ready.port}${this.ready.path}`;
  }

  /** Opens a CPU window on the server; with hz > 0 it publishes progress at that rate. */
  async startWindow(hz: number): Promise<void> {
    await this.request({ type: 'start', hz }, 'started');
  }

  async stopWindow(): Promise<ServerWindow> {
    const m = await this.request({ type: 'stop' }, 'window');
    if (m.type !== 'window') throw new Error('unexpected answer');
    return m.window;
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    this.child.send({ type: 'exit' } satisfies ToServer);
    const t = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(t);
  }

  private request(msg: ToServer, answer: FromServer['type']): Promise<FromServer> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no ${answer} from bench server in 10 s`)), 10_000);
      this.waiters.push({ type: answer, resolve: (m) => (clearTimeout(t), resolve(m)) });
      this.child.send(msg);
    });
  }
}
