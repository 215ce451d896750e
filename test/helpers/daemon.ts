/**
 * Starting daemons for tests: in-process (fast, direct access to the store)
 * or as a real process from dist/ (signals, exit codes, systemd).
 * Both listen on 127.0.0.1 port 0.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { loadConfig } from '../../daemon/config/load.js';
import { createDaemon, type Daemon } from '../../daemon/main.js';
import type { Logger } from '../../daemon/logger.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(ROOT, 'dist', 'daemon', 'cli.js');

export interface LogLine {
  level: number;
  msg: string;
  [k: string]: unknown;
}

/** A pino logger that records parsed lines (and prints nothing). */
export function recordingLogger(level = 'debug'): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as LogLine);
      cb();
    },
  });
  return { log: pino({ level }, stream), lines };
}

export async function tempDir(prefix = 'dashcamd-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export interface InProcess {
  daemon: Daemon;
  url: string;
  wsUrl: string;
  port: number;
  lines: LogLine[];
  stop(): Promise<void>;
}

/** Starts a simulated daemon in this process with config overrides. */
export async function startInProcess(overrides: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = {}): Promise<InProcess> {
  const dataDir = await tempDir();
  const config = loadConfig({
    file: null,
    env,
    overrides: { simulate: true, dataDir, ...overrides, server: { host: '127.0.0.1', port: 0, ...(overrides.server as object) } },
  });
  const { log, lines } = recordingLogger();
  const daemon = createDaemon(config, log, {});
  const { url } = await daemon.start();
  const port = Number(new URL(url).port);
  return { daemon, url, wsUrl: `ws://127.0.0.1:${port}/ws`, port, lines, stop: () => daemon.stop() };
}

export interface Spawned {
  proc: ChildProcessWithoutNullStreams;
  lines: LogLine[];
  stderr: string[];
  url: Promise<string>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitForLine(pred: (l: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
}

/** Runs `node dist/daemon/cli.js ...args` and parses its JSON log lines. */
export function spawnDaemon(args: string[], env: NodeJS.ProcessEnv = {}): Spawned {
  const proc = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
  });
  const lines: LogLine[] = [];
  const stderr: string[] = [];
  const waiters: Array<{ pred: (l: LogLine) => boolean; resolve: (l: LogLine) => void }> = [];
  let buf = '';
  proc.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const raw = buf.slice(0, i).replace(/^<\d>/, '');
      buf = buf.slice(i + 1);
      let line: LogLine;
      try {
        line = JSON.parse(raw) as LogLine;
      } catch {
        line = { level: 0, msg: raw };
      }
      lines.push(line);
      for (const w of [...waiters]) if (w.pred(line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  proc.stderr.on('data', (d: Buffer) => stderr.push(d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const waitForLine = (pred: (l: LogLine) => boolean, timeoutMs = 15_000): Promise<LogLine> => {
    const found = lines.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no matching log line in ${timeoutMs} ms; stderr: ${stderr.join('')}`)), timeoutMs);
      waiters.push({ pred, resolve: (l) => (clearTimeout(t), resolve(l)) });
      void exit.then(() => setTimeout(() => reject(new Error(`daemon exited; stderr: ${stderr.join('')}`)), 50));
    });
  };
  const url = waitForLine((l) => typeof l.msg === 'string' && l.msg.startsWith('dashcamd ready')).then((l) => String(l.url));
  url.catch(() => undefined);
  return { proc, lines, stderr, url, exit, waitForLine };
}
