/**
 * Start to READY: spawns the built daemon (`node dist/daemon/cli.js run
 * --simulate --listen 127.0.0.1:0`) with NOTIFY_SOCKET pointing at a Python
 * unix datagram socket standing in for systemd, and measures from just before
 * spawn() to the arrival of the READY=1 datagram. Both ends read
 * CLOCK_MONOTONIC (process.hrtime in Node, time.monotonic_ns in Python), so the
 * pipe from the stand-in adds nothing to the figure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT } from './lib/paths.js';
import { atMost, round, type BenchResult } from './lib/report.js';
import { median } from './lib/stats.js';

const CLI = join(ROOT, 'dist', 'daemon', 'cli.js');

// Prints "<monotonic ns> <datagram with newlines as |>" for every datagram.
const STAND_IN = `
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("bound", flush=True)
while True:
    data = s.recv(65536)
    print(time.monotonic_ns(), data.decode("utf-8", "replace").replace("\\n", "|"), flush=True)
`;

interface Datagram {
  atNs: bigint;
  text: string;
}

class NotifyStandIn {
  private readonly waiters: Array<{ pred: (d: Datagram) => boolean; resolve: (d: Datagram) => void }> = [];
  readonly datagrams: Datagram[] = [];
  readonly bound: Promise<void>;

  static start(path: string): NotifyStandIn {
    return new NotifyStandIn(path, spawn('python3', ['-c', STAND_IN, path], { stdio: ['ignore', 'pipe', 'inherit'] }));
  }

  private constructor(
    readonly path: string,
    private readonly proc: ChildProcess,
  ) {
    const lines = createInterface({ input: proc.stdout! });
    this.bound = new Promise((resolve, reject) => {
      proc.once('error', reject);
      proc.once('exit', (code) => reject(new Error(`python3 stand-in exited with ${code}`)));
      lines.on('line', (line) => {
        if (line === 'bound') return resolve();
        const space = line.indexOf(' ');
        const d = { atNs: BigInt(line.slice(0, space)), text: line.slice(space + 1) };
        this.datagrams.push(d);
        const i = this.waiters.findIndex((w) => w.pred(d));
        if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(d);
      });
    });
  }

  next(pred: (d: Datagram) => boolean, timeoutMs: number): Promise<Datagram> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no matching datagram in ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({ pred, resolve: (d) => (clearTimeout(t), resolve(d)) });
    });
  }

  close(): void {
    this.proc.kill('SIGTERM');
  }
}

async function oneRun(standIn: NotifyStandIn, dir: string, i: number): Promise<{ readyMs: number; exitCode: number | null }> {
  const dataDir = join(dir, `data-${i}`);
  const t0 = process.hrtime.bigint();
  const ready = standIn.next((d) => d.atNs > t0 && d.text.startsWith('READY=1'), 15_000);
  const proc = spawn(process.execPath, [CLI, 'run', '--simulate', '--listen', '127.0.0.1:0', '--data-dir', dataDir], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NOTIFY_SOCKET: standIn.path, DASHCAMD_CONFIG: join(dir, 'config.json') },
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  try {
    const d = await ready;
    return { readyMs: Number(d.atNs - t0) / 1e6, exitCode: (proc.kill('SIGTERM'), await exited) };
  } finally {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  }
}

export async function readyBench(opts: { runs: number }): Promise<BenchResult> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run make build first`);
  const dir = await mkdtemp(join(tmpdir(), 'dashcamd-bench-ready-'));
  const standIn = NotifyStandIn.start(join(dir, 'notify.sock'));
  try {
    await standIn.bound;
    // An empty config file: defaults only, whatever /etc/dashcamd holds.
    await writeFile(join(dir, 'config.json'), '{}\n');
    const runs: Array<{ readyMs: number; exitCode: number | null }> = [];
    for (let i = 0; i < opts.runs; i++) runs.push(await oneRun(standIn, dir, i));
    const times = runs.map((r) => r.readyMs);
    const med = round(median(times), 1);
    return {
      name: 'ready',
      title: `Start to READY=1 from dist/ (spawn to datagram), median of ${opts.runs} runs`,
      figures: [
        { label: 'spawn to READY=1, median', value: med, unit: 'ms', goal: atMost(med, 500, 'ms') },
        { label: 'spawn to READY=1, min', value: round(Math.min(...times), 1), unit: 'ms' },
        { label: 'spawn to READY=1, max', value: round(Math.max(...times), 1), unit: 'ms' },
      ],
      details: {
        options: opts,
        node: process.version,
        runs: runs.map((r) => ({ readyMs: round(r.readyMs, 1), exitCodeAfterSigterm: r.exitCode })),
        datagrams: standIn.datagrams.map((d) => d.text),
      },
    };
  } finally {
    standIn.close();
    await rm(dir, { recursive: true, force: true });
  }
}
