/**
 * Tile download throughput, side by side in one run against a local tile
 * server at 0 and 20 ms latency, concurrency 8:
 *  - baseline: a plain keep-alive GET loop that stores nothing (the ceiling);
 *  - dashcamd: the real worker thread writing MBTiles (checks, dedup, batches).
 *  - mapproxy-seed (Debian package mapproxy, if installed) seeding the same tiles into MBTiles.
 * Also the main thread's event-loop delay p99 while the worker runs, and the
 * process RSS sampled over a long job (stopped after a while).
 * CPU time per tile (this process: the loop, or the worker thread; and the
 * tile server's process) shows what bounds the 0 ms case on this machine.
 * Run alone: node --import tsx bench/tiles.ts (writes bench/results/tiles.json);
 * BENCH_TILES_LATENCIES=0 and BENCH_TILES_NO_RSS=1 narrow it down while profiling.
 */
import http from 'node:http';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { join } from 'node:path';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { TileArea, type AreaSpec } from '../geodata/area.js';
import { tileUrl, sourceSchema, type JobSpec } from '../geodata/job-spec.js';
import { startWorker } from '../geodata/worker-host.js';
import { DEFAULT_TUNING } from '../geodata/worker-protocol.js';
import { createInterface } from 'node:readline';
import { BENCH_DIR } from './lib/paths.js';
import { atLeast, atMost, round, writeResult, type BenchResult } from './lib/report.js';

const CONCURRENCY = 8;

interface ChildServer {
  template: string;
  /** CPU seconds the server process has used so far. */
  cpuS(): number;
  stop(): Promise<void>;
}

/** Starts bench/lib/tile-server-child.ts; `warm` pre-encodes the tiles of a job. */
async function childServer(latencyMs: number, warm: Pick<JobSpec, 'area' | 'minZoom' | 'maxZoom'> | null): Promise<ChildServer> {
  const args = ['--import', 'tsx', join(BENCH_DIR, 'lib', 'tile-server-child.ts'), String(latencyMs), ...(warm ? [JSON.stringify(warm)] : [])];
  const proc = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).once('line', (l) => resolve(Number(l)));
    proc.once('exit', (code) => reject(new Error(`tile server exited with ${code}`)));
  });
  return {
    template: `http://127.0.0.1:${port}/{z}/{x}/{y}.png`,
    cpuS: () => {
      // utime and stime, fields 14 and 15 of /proc/PID/stat, in clock ticks (100 per second here).
      const f = readFileSync(`/proc/${proc.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return (Number(f[11]) + Number(f[12])) / 100;
    },
    stop: () => new Promise<void>((resolve) => (proc.once('exit', () => resolve()), proc.stdin!.end())),
  };
}

function spec(server: ChildServer, area: AreaSpec, minZoom: number, maxZoom: number): JobSpec {
  // Unlimited request rate: the bench measures the pipeline, not politeness.
  const source = { ...sourceSchema.parse({ name: 'bench', url: server.template, maxConnections: CONCURRENCY }), maxRequestsPerSecond: 1e9 };
  return { name: 'bench', source, area, minZoom, maxZoom };
}

/** The ceiling: GET every tile with 8 keep-alive connections, discard bodies. */
async function plainLoop(s: JobSpec): Promise<{ tiles: number; seconds: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const it = new TileArea(s.area, s.minZoom, s.maxZoom).tiles();
  let n = 0;
  const t0 = process.hrtime.bigint();
  const worker = async (): Promise<void> => {
    for (let next = it.next(); !next.done; next = it.next()) {
      const { z, x, y } = next.value;
      await new Promise<void>((resolve, reject) => {
        http.get(tileUrl(s.source, z, x, y), { agent }, (res) => {
          res.on('data', () => undefined);
          res.on('end', () => resolve());
          res.on('error', reject);
        }).on('error', reject);
      });
      n++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  agent.destroy();
  return { tiles: n, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}

/**
 * The real worker. Besides the whole run (thread start included), the steady
 * rate counts from the first progress report to the end, which is what an
 * hours-long job sees; the worker's start (loading modules) is a one-off.
 */
async function dashcamdRun(server: ChildServer, s: JobSpec, dir: string, name: string): Promise<{ tiles: number; seconds: number; steadyPerS: number; loopP99Ms: number; clientUs: number; serverUs: number }> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const now = (): number => Number(process.hrtime.bigint()) / 1e9;
  const total = new TileArea(s.area, s.minZoom, s.maxZoom).total();
  const t0 = now();
  let first: { at: number; done: number; cpu: NodeJS.CpuUsage; serverS: number } | null = null;
  // Steady state: from the first report past a fifth of the job (the JIT has warmed up by then).
  const end = await startWorker({ jobId: name, file: join(dir, `${name}.mbtiles`), spec: s, userAgent: 'dashcamd/bench', tuning: DEFAULT_TUNING }, (m) => {
    if (!first && m.progress.done >= total / 5) first = { at: now(), done: m.progress.done, cpu: process.cpuUsage(), serverS: server.cpuS() };
  }).done;
  const t1 = now();
  h.disable();
  if (end.type !== 'finished') throw new Error(`bench job ended ${end.type}`);
  const f = first as { at: number; done: number; cpu: NodeJS.CpuUsage; serverS: number } | null;
  if (!f || t1 <= f.at) throw new Error('bench job too short for a steady rate');
  const tiles = end.progress.done - f.done;
  const cpu = process.cpuUsage(f.cpu);
  return {
    tiles: end.progress.done,
    seconds: t1 - t0,
    steadyPerS: tiles / (t1 - f.at),
    loopP99Ms: h.percentile(99) / 1e6,
    clientUs: (cpu.user + cpu.system) / tiles,
    serverUs: ((server.cpuS() - f.serverS) * 1e6) / tiles,
  };
}

/** Debian's mapproxy-seed seeding the same tiles into MBTiles at the same concurrency; null when not installed. */
async function mapproxySeed(s: JobSpec, dir: string, name: string): Promise<{ tiles: number; seconds: number } | null> {
  if (spawnSync('mapproxy-seed', ['--version']).error) return null;
  if (s.area.type !== 'bbox') throw new Error('mapproxy comparison needs a bbox');
  const file = join(dir, `${name}-mapproxy.mbtiles`);
  const url = s.source.url.replace('{z}', '%(z)s').replace('{x}', '%(x)s').replace('{y}', '%(y)s');
  const conf = join(dir, `${name}-mapproxy.yaml`);
  const seed = join(dir, `${name}-seed.yaml`);
  await writeFile(conf, `services:\n  demo:\nlayers:\n  - name: bench\n    title: bench\n    sources: [bench_cache]\ngrids:\n  webmercator:\n    base: GLOBAL_WEBMERCATOR\n    origin: nw\ncaches:\n  bench_cache:\n    grids: [webmercator]\n    sources: [bench_tiles]\n    format: image/png\n    cache:\n      type: mbtiles\n      filename: ${file}\nsources:\n  bench_tiles:\n    type: tile\n    url: ${url}\n    grid: webmercator\n`);
  await writeFile(seed, `seeds:\n  bench:\n    caches: [bench_cache]\n    grids: [webmercator]\n    levels:\n      from: ${s.minZoom}\n      to: ${s.maxZoom}\n    coverages: [area]\ncoverages:\n  area:\n    bbox: [${s.area.bbox.join(', ')}]\n    srs: 'EPSG:4326'\n`);
  const t0 = process.hrtime.bigint();
  // Asynchronous: the tile server runs in this process and must keep serving.
  const code = await new Promise<number | null>((resolve) => spawn('mapproxy-seed', ['-f', conf, '-s', seed, '-c', String(CONCURRENCY), '--seed', 'bench', '-q'], { stdio: 'ignore' }).on('exit', resolve));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (code !== 0) throw new Error(`mapproxy-seed exited with ${code}`);
  const tiles = Number(execFileSync('sqlite3', [file, 'select count(*) from tiles'], { encoding: 'utf8' }).trim());
  return { tiles, seconds };
}

/** RSS every second over a job far too large to finish; the job is stopped after `seconds`. */
async function rssRun(server: ChildServer, dir: string, seconds: number): Promise<{ beforeMb: number; samplesMb: number[]; tiles: number }> {
  global.gc?.();
  const beforeMb = round(process.memoryUsage.rss() / 1_048_576, 1);
  const s = spec(server, { type: 'bbox', bbox: [-180, -85, 180, 85] }, 0, 20);
  let done = 0;
  const w = startWorker({ jobId: 'rss', file: join(dir, 'rss.mbtiles'), spec: s, userAgent: 'dashcamd/bench', tuning: DEFAULT_TUNING }, (m) => (done = m.progress.done));
  const samplesMb: number[] = [];
  for (let i = 0; i < seconds; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    samplesMb.push(round(process.memoryUsage.rss() / 1_048_576, 1));
  }
  await w.stop(5000);
  return { beforeMb, samplesMb, tiles: done };
}

/** Runs `fn` and adds the CPU time per tile it took in this process and in the tile server's. */
async function measured<T extends { tiles: number }>(server: ChildServer, fn: () => Promise<T>): Promise<T & { clientUs: number; serverUs: number }> {
  // The same 1 ms loop-delay sampler as during the worker's run, so both pay for it.
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const c0 = process.cpuUsage();
  const s0 = server.cpuS();
  const r = await fn();
  const c = process.cpuUsage(c0);
  h.disable();
  return { ...r, clientUs: (c.user + c.system) / r.tiles, serverUs: ((server.cpuS() - s0) * 1e6) / r.tiles };
}

export async function tilesBench(opts: { quick: boolean }): Promise<BenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'dashcamd-bench-tiles-'));
  const figures: BenchResult['figures'] = [];
  const details: Record<string, unknown> = { concurrency: CONCURRENCY };
  const latencies = process.env.BENCH_TILES_LATENCIES ? process.env.BENCH_TILES_LATENCIES.split(',').map(Number) : [0, 20];
  for (const latencyMs of latencies) {
    // About 54,000 tiles at 0 ms (a few seconds each way), 3,400 at 20 ms.
    const maxZoom = latencyMs === 0 ? (opts.quick ? 15 : 17) : opts.quick ? 13 : 15;
    const area: AreaSpec = { type: 'bbox', bbox: [13.0, 52.3, 13.6, 52.6] };
    // Every run gets bodies from the server's cache: generating PNGs must not slow only the first.
    const server = await childServer(latencyMs, { area, minZoom: 8, maxZoom });
    const s = spec(server, area, 8, maxZoom);
    // The first pass warms the JIT of this thread, as the worker's first fifth warms its own.
    await plainLoop(s);
    const base = await measured(server, () => plainLoop(s));
    const ours = await dashcamdRun(server, s, dir, `l${latencyMs}`);
    const mapproxy = await mapproxySeed(s, dir, `l${latencyMs}`);
    await server.stop();
    const baseRate = base.tiles / base.seconds;
    const ourRate = ours.steadyPerS;
    figures.push({ label: `plain keep-alive GET loop, ${latencyMs} ms`, value: round(baseRate, 0), unit: 'tiles/s' });
    figures.push({ label: `dashcamd worker into MBTiles incl. thread start, ${latencyMs} ms`, value: round(ours.tiles / ours.seconds, 0), unit: 'tiles/s' });
    figures.push({ label: `dashcamd worker into MBTiles, steady, ${latencyMs} ms`, value: round(ourRate, 0), unit: 'tiles/s' });
    figures.push({ label: `dashcamd / plain loop, ${latencyMs} ms`, value: round((100 * ourRate) / baseRate, 1), unit: '%', goal: atLeast((100 * ourRate) / baseRate, 90, '%') });
    figures.push({ label: `CPU per tile, plain loop, ${latencyMs} ms`, value: round(base.clientUs, 1), unit: 'us' });
    figures.push({ label: `CPU per tile, dashcamd steady (worker and main thread), ${latencyMs} ms`, value: round(ours.clientUs, 1), unit: 'us' });
    figures.push({ label: `CPU per tile, the tile server (same machine), plain loop / dashcamd, ${latencyMs} ms`, value: round(base.serverUs, 1), unit: `us / ${round(ours.serverUs, 1)} us` });
    figures.push({ label: `main-thread loop delay p99 during the job, ${latencyMs} ms`, value: round(ours.loopP99Ms, 2), unit: 'ms', goal: atMost(ours.loopP99Ms, 10, 'ms') });
    if (latencyMs > 0) {
      // One request at a time per connection: no client can beat this at this latency.
      figures.push({ label: `latency ceiling: ${CONCURRENCY} connections / ${latencyMs} ms`, value: round((CONCURRENCY * 1000) / latencyMs, 0), unit: 'tiles/s' });
    }
    if (mapproxy) {
      const mpRate = mapproxy.tiles / mapproxy.seconds;
      figures.push({ label: `mapproxy-seed into MBTiles, ${latencyMs} ms`, value: round(mpRate, 0), unit: 'tiles/s' });
      // Both whole runs, start-up included.
      const whole = ours.tiles / ours.seconds;
      figures.push({ label: `dashcamd / mapproxy-seed (whole runs), ${latencyMs} ms`, value: round(whole / mpRate, 2), unit: 'x', goal: atLeast(whole / mpRate, 1.5, 'x') });
    }
    details[`latency${latencyMs}`] = { tiles: ours.tiles, plain: base, dashcamd: ours, mapproxy };
  }
  if (process.env.BENCH_TILES_NO_RSS === '1') return { name: 'tiles', title: 'tile downloads (partial run)', figures, details };
  const server = await childServer(0, null);
  const rss = await rssRun(server, dir, opts.quick ? 5 : 30);
  await server.stop();
  const peak = Math.max(...rss.samplesMb);
  const half = rss.samplesMb.slice(Math.floor(rss.samplesMb.length / 2));
  figures.push({ label: 'RSS peak over a job of a million+ tiles (sampled)', value: peak, unit: 'MB', goal: atMost(peak, 150, 'MB') });
  figures.push({ label: 'RSS before the job started (this bench process, under tsx)', value: rss.beforeMb, unit: 'MB' });
  figures.push({ label: 'RSS growth over the second half of the sample', value: round(Math.max(...half) - Math.min(...half), 1), unit: 'MB' });
  details.rss = rss;
  if (!details.latency0 || !(details.latency0 as { mapproxy: unknown }).mapproxy) details.notMeasured = ['mapproxy-seed comparison: Debian package mapproxy is not installed'];
  return { name: 'tiles', title: 'tile downloads: dashcamd worker vs plain keep-alive loop; loop delay; RSS', figures, details };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const quick = process.env.BENCH_QUICK === '1';
  const result = await tilesBench({ quick });
  const file = await writeResult(result, { date: new Date().toISOString(), node: process.version, quick });
  for (const f of result.figures) process.stdout.write(`${f.label}: ${f.value} ${f.unit}${f.goal ? ` (goal ${f.goal.text}: ${f.goal.met ? 'met' : 'NOT MET'})` : ''}\n`);
  process.stdout.write(`-> ${file}\n`);
}
