/**
 * Safe shutdown of the whole machine (not just the daemon): runs exactly once,
 * whatever mix of long presses, ignition loss or API calls asks for it.
 * Order: tell listeners (LED pattern, clients) at once, run the registered
 * "before shutdown" hooks (persist download jobs, flush databases), then run
 * the configured command, normally `systemctl poweroff`, which stops the
 * daemon through systemd like any other stop.
 */
import { execFile } from 'node:child_process';
import type { StateStore } from './state.js';
import type { Logger } from './logger.js';

export type ShutdownHook = () => void | Promise<void>;

/** Components register what must reach the disk before power goes away. */
export class ShutdownHooks {
  private readonly hooks = new Map<string, ShutdownHook>();

  /** Registers a hook under a unique name; returns the function that removes it. */
  register(name: string, hook: ShutdownHook): () => void {
    if (this.hooks.has(name)) throw new Error(`shutdown hook ${name} is already registered`);
    this.hooks.set(name, hook);
    return () => {
      if (this.hooks.get(name) === hook) this.hooks.delete(name);
    };
  }

  get names(): string[] {
    return [...this.hooks.keys()];
  }

  /** Runs every hook in registration order; a failing or hanging hook never stops the rest. */
  async runAll(log: Logger, timeoutMs: number): Promise<{ ok: string[]; failed: string[] }> {
    const ok: string[] = [];
    const failed: string[] = [];
    for (const [name, hook] of this.hooks) {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          Promise.resolve().then(hook),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        ok.push(name);
      } catch (err) {
        failed.push(name);
        log.error({ err, hook: name }, 'shutdown hook failed; continuing');
      } finally {
        clearTimeout(timer);
      }
    }
    return { ok, failed };
  }
}

export interface SafeShutdownOptions {
  /** argv of the power-off command; null = only log (simulation). */
  command: readonly string[] | null;
  hookTimeoutMs?: number;
  commandTimeoutMs?: number;
}

export interface ShutdownOutcome {
  reason: string;
  hooks: { ok: string[]; failed: string[] };
  /** Exit code of the command, null when it was not run or could not start. */
  exitCode: number | null;
  commandRan: boolean;
}

/** The default command unless configured: none in simulation, so a laptop never powers off. */
export function resolveShutdownCommand(configured: readonly string[] | undefined, simulate: boolean): readonly string[] | null {
  if (configured) return configured;
  return simulate ? null : ['systemctl', 'poweroff'];
}

export class SafeShutdown {
  private running: Promise<ShutdownOutcome> | null = null;
  private readonly listeners: Array<(reason: string) => void> = [];

  constructor(
    private readonly opts: SafeShutdownOptions,
    private readonly hooks: ShutdownHooks,
    private readonly store: StateStore,
    private readonly log: Logger,
  ) {}

  get started(): boolean {
    return this.running !== null;
  }

  /** Called synchronously when the shutdown starts (LED pattern, UI state). */
  onStart(listener: (reason: string) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Starts the shutdown, or returns the one already running. */
  trigger(reason: string): Promise<ShutdownOutcome> {
    if (this.running) {
      this.log.info({ reason }, 'safe shutdown already running; ignoring trigger');
      return this.running;
    }
    this.running = this.run(reason);
    return this.running;
  }

  private async run(reason: string): Promise<ShutdownOutcome> {
    this.log.warn({ reason, hooks: this.hooks.names }, 'safe shutdown started');
    for (const l of this.listeners) {
      try {
        l(reason);
      } catch (err) {
        this.log.error({ err }, 'shutdown listener failed');
      }
    }
    this.store.emitEvent('events', 'shutdown', { reason, at: new Date().toISOString() });
    const hooks = await this.hooks.runAll(this.log, this.opts.hookTimeoutMs ?? 10_000);
    const command = this.opts.command;
    if (!command) {
      this.log.warn({ reason }, 'safe shutdown: no power-off command in simulation; state is flushed, the machine stays on');
      return { reason, hooks, exitCode: null, commandRan: false };
    }
    const exitCode = await runCommand(command, this.opts.commandTimeoutMs ?? 30_000, this.log);
    return { reason, hooks, exitCode, commandRan: exitCode !== null };
  }
}

function runCommand(argv: readonly string[], timeoutMs: number, log: Logger): Promise<number | null> {
  const [file, ...args] = argv as [string, ...string[]];
  log.warn({ command: argv }, 'running power-off command');
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      if (!err) return resolve(0);
      const code = typeof err.code === 'number' ? err.code : null;
      log.error({ err, command: argv, exitCode: code, stderr: stderr.slice(0, 2000) }, 'power-off command failed');
      resolve(code);
    });
  });
}
