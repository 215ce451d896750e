/**
 * `make bench`: runs every daemon-core benchmark, prints a table with the goal
 * next to each figure, and writes bench/results/<name>.json. Numbers never
 * fail the run; a benchmark that cannot run at all makes it exit 1.
 *
 * BENCH_QUICK=1 shortens every benchmark (for trying the harness, not for figures).
 */
import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fanoutBench } from './fanout.js';
import { tilesBench } from './tiles.js';
import { tilesDaemonBench } from './tiles-daemon.js';
import { idleBench } from './idle.js';
import { pingBench } from './ping.js';
import { readyBench } from './ready.js';
import { BENCH_DIR } from './lib/paths.js';
import { formatTable, round, writeResult, type BenchResult } from './lib/report.js';
import { ServerProcess } from './lib/server-process.js';
import type { ServerKind } from './lib/ipc.js';

const quick = process.env.BENCH_QUICK === '1';
const SETTINGS = {
  fanout: { clientCounts: [50, 200], hz: 4, windows: quick ? 2 : 5, windowSeconds: quick ? 1 : 2, baselineWindows: quick ? 1 : 3 },
  idle: { clients: 10, seconds: quick ? 2 : 10 },
  ping: { samples: quick ? 200 : 1000 },
  ready: { runs: quick ? 2 : 5 },
};

/** The probe loads uWS and stops a child with SIGSTOP: it runs in its own process. */
function probeInChild(): Promise<BenchResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(BENCH_DIR, 'uws-idle-probe.ts'), '--json'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`uws-idle-probe exited with ${code}`));
      try {
        resolve(JSON.parse(last) as BenchResult);
      } catch {
        reject(new Error(`uws-idle-probe printed no JSON result: ${last.slice(0, 200)}`));
      }
    });
  });
}

interface Servers {
  fanout: Record<ServerKind, ServerProcess>;
  /** A daemon of its own for idle and ping, so fan-out leaves nothing behind on it. */
  channel: ServerProcess;
}

let servers: Promise<Servers> | null = null;

/**
 * Starts every measured server at once, after the start-to-READY runs (which
 * must have the machine to themselves), so all are warm when their turn comes.
 */
function startServers(): Promise<Servers> {
  servers ??= (async () => {
    const [channel, ws, uws, idle] = await Promise.all([
      ServerProcess.start('channel'),
      ServerProcess.start('ws'),
      ServerProcess.start('uws'),
      ServerProcess.start('channel'),
    ]);
    return { fanout: { channel, ws, uws }, channel: idle };
  })();
  return servers;
}

async function stopServers(): Promise<void> {
  if (!servers) return;
  const s = await servers.catch(() => null);
  if (s) await Promise.all([...Object.values(s.fanout), s.channel].map((p) => p.close()));
}

const BENCHES: Array<{ name: string; run: () => Promise<BenchResult[]> }> = [
  { name: 'ready', run: async () => [await readyBench(SETTINGS.ready)] },
  // The probe's 8 s double as the servers' warm-up.
  {
    name: 'uws-idle-probe',
    run: async () => {
      void startServers().catch(() => undefined);
      return [await probeInChild()];
    },
  },
  { name: 'fanout', run: async () => [await fanoutBench((await startServers()).fanout, SETTINGS.fanout)] },
  {
    name: 'idle+ping',
    run: async () => {
      const { channel } = await startServers();
      // Idle first: nothing else has run on that daemon yet.
      return [await idleBench(channel, SETTINGS.idle), await pingBench(channel, SETTINGS.ping)];
    },
  },
  // Map tile downloads (bench/tiles.ts): worker vs plain keep-alive loop, loop delay, RSS.
  { name: 'tiles', run: async () => [await tilesBench({ quick })] },
  { name: 'tiles-daemon', run: async () => [await tilesDaemonBench({ quick })] },
];

async function main(): Promise<number> {
  const started = Date.now();
  const machine = { node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, quick };
  process.stdout.write(`dashcamd benchmarks on ${machine.cpu} (${machine.cores} cores), Node ${machine.node}${quick ? ', QUICK' : ''}\n`);
  process.stdout.write('CPU figures are % of one core for the server process alone; the machine is shared, so compare within a run.\n\n');
  const results: BenchResult[] = [];
  const failures: string[] = [];
  for (const bench of BENCHES) {
    const t = Date.now();
    const load = loadavg()[0]!;
    process.stdout.write(`running ${bench.name} ...\n`);
    try {
      for (const result of await bench.run()) {
        const meta = { date: new Date().toISOString(), machine, loadAvg1Before: round(load), loadAvg1After: round(loadavg()[0]!) };
        const file = await writeResult(result, meta);
        results.push(result);
        process.stdout.write(`  ${result.title}\n  -> ${file}\n`);
      }
      process.stdout.write(`  (${round((Date.now() - t) / 1000, 1)} s)\n`);
    } catch (err) {
      failures.push(bench.name);
      process.stdout.write(`  FAILED: ${(err as Error).stack ?? String(err)}\n`);
    }
  }
  await stopServers();
  process.stdout.write(`\n${formatTable(results)}\n`);
  const goals = results.flatMap((r) => r.figures.filter((f) => f.goal));
  const met = goals.filter((f) => f.goal?.met).length;
  process.stdout.write(`\ngoals met: ${met}/${goals.length}; total ${round((Date.now() - started) / 1000, 1)} s\n`);
  if (failures.length) process.stdout.write(`benchmarks that could not run: ${failures.join(', ')}\n`);
  return failures.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
