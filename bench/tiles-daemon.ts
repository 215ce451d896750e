/**
 * The daemon (from dist/, plain node) while a max-rate download runs in its
 * worker: text-ping round trip over the WebSocket, the daemon's own loop
 * delay p99 (from /api/health), and its RSS (VmRSS) sampled every second over
 * a job of over a million tiles, stopped after the sample. Needs `make build`.
 * Run alone: node --import tsx bench/tiles-daemon.ts
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import WebSocket from 'ws';
import { PING, PONG } from '../daemon/protocol.js';
import { TileServer } from '../test/helpers/tile-server.js';
import { atMost, round, writeResult, type BenchResult } from './lib/report.js';
import { ROOT } from './lib/paths.js';
import { percentile } from './lib/stats.js';

const CLI = join(ROOT, 'dist', 'daemon', 'cli.js');

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? round(Number(m[1]) / 1024, 1) : NaN;
}

export async function tilesDaemonBench(opts: { quick: boolean }): Promise<BenchResult> {
  if (!existsSync(join(ROOT, 'dist', 'geodata', 'worker.js'))) throw new Error('dist/ has no geodata worker: run make build first');
  // Long enough for several GC cycles: RSS moves in a sawtooth, so 'flat' compares the halves' peaks.
  const seconds = opts.quick ? 8 : 90;
  const server = await new TileServer({ memoryless: true }).start();
  const dir = await mkdtemp(join(tmpdir(), 'dashcamd-bench-daemon-'));
  const config = join(dir, 'config.json');
  await writeFile(config, JSON.stringify({ downloads: { diskFloorBytes: 0, sources: [{ name: 'bench', url: server.template, maxConnections: 8, maxRequestsPerSecond: 1000 }] } }));
  const proc = spawn(process.execPath, [CLI, 'run', '--simulate', '--config', config, '--listen', '127.0.0.1:0', '--data-dir', join(dir, 'data')], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('daemon not ready in 30 s')), 30_000);
      createInterface({ input: proc.stdout! }).on('line', (line) => {
        const m = /"msg":"dashcamd ready at ([^"]+)"/.exec(line);
        if (m) (clearTimeout(t), resolve(m[1]!.replace(/\/$/, '')));
      });
      proc.once('exit', (code) => reject(new Error(`daemon exited with ${code}`)));
    });
    const res = await fetch(`${url}/api/downloads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'world', source: 'bench', area: { type: 'bbox', bbox: [-180, -85, 180, 85] }, minZoom: 0, maxZoom: 20, confirm: true }),
    });
    if (res.status !== 201) throw new Error(`job not created: ${res.status} ${await res.text()}`);
    const { job } = (await res.json()) as { job: { id: string; tilesTotal: number } };

    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`, { perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => (ws.once('open', () => resolve()), ws.once('error', reject)));
    let onPong: (() => void) | null = null;
    ws.on('message', (data, isBinary) => {
      if (!isBinary && onPong && data.toString() === PONG) onPong();
    });
    const ping = (): Promise<number> =>
      new Promise((resolve) => {
        const sent = performance.now();
        onPong = () => ((onPong = null), resolve(performance.now() - sent));
        ws.send(PING);
      });
    const rtt: number[] = [];
    const rss: number[] = [];
    const end = Date.now() + seconds * 1000;
    let nextRss = Date.now() + 1000;
    while (Date.now() < end) {
      rtt.push(await ping());
      if (Date.now() >= nextRss) {
        rss.push(rssMb(proc.pid!));
        nextRss += 1000;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    ws.terminate();
    const health = (await (await fetch(`${url}/api/health`)).json()) as { loopDelay: { p99Ms: number } };
    const jobs = (await (await fetch(`${url}/api/downloads`)).json()) as { jobs: Array<{ tilesDone: number; tilesPerS: number; state: string }> };
    const p99 = round(percentile(rtt.slice(20), 99), 2);
    const peak = Math.max(...rss);
    const firstPeak = Math.max(...rss.slice(0, Math.floor(rss.length / 2)));
    const secondPeak = Math.max(...rss.slice(Math.floor(rss.length / 2)));
    return {
      name: 'tiles-daemon',
      title: `daemon from dist/ while a max-rate job runs (${seconds} s of a ${job.tilesTotal}-tile job)`,
      figures: [
        { label: 'tiles downloaded during the sample', value: jobs.jobs[0]?.tilesDone ?? 0, unit: 'tiles' },
        { label: 'WebSocket text-ping round trip p99', value: p99, unit: 'ms', goal: atMost(p99, 20, 'ms') },
        { label: 'daemon loop delay p99 (health)', value: round(health.loopDelay.p99Ms, 2), unit: 'ms', goal: atMost(health.loopDelay.p99Ms, 10, 'ms') },
        { label: 'daemon RSS peak', value: peak, unit: 'MB', goal: atMost(peak, 150, 'MB') },
        { label: 'daemon RSS peak, first half / second half of the sample', value: firstPeak, unit: `MB / ${secondPeak} MB` },
        // Flat: the second half never climbs above the first half's peak by more than a few MB.
        { label: 'daemon RSS, second-half peak above first-half peak', value: round(secondPeak - firstPeak, 1), unit: 'MB', goal: atMost(secondPeak - firstPeak, 5, 'MB') },
      ],
      details: { seconds, tilesTotal: job.tilesTotal, job: jobs.jobs[0], rssMb: rss, rttMs: rtt.map((v) => round(v, 3)) },
    };
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
    await server.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await tilesDaemonBench({ quick: process.env.BENCH_QUICK === '1' });
  const file = await writeResult(result, { date: new Date().toISOString(), node: process.version });
  for (const f of result.figures) process.stdout.write(`${f.label}: ${f.value} ${f.unit}${f.goal ? ` (goal ${f.goal.text}: ${f.goal.met ? 'met' : 'NOT MET'})` : ''}\n`);
  process.stdout.write(`-> ${file}\n`);
}
