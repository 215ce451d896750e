/**
 * `dashcamd tiles estimate|download`: the standalone downloader, for preparing
 * maps on a laptop and for benchmarks. It uses the same job spec validation
 * and the same worker as the daemon; a download interrupted with Ctrl-C (or
 * killed) resumes when the same command runs again, from the cursor in FILE.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parseArgs } from 'node:util';
import { formatIssues } from '../daemon/config/load.js';
import { VERSION } from '../daemon/version.js';
import { downloadUserAgent } from '../daemon/config/downloads-schema.js';
import { jobRequestSchema, resolveJob, JobSpecError, type JobSpec } from './job-spec.js';
import { estimateJob, type Estimate } from './estimate.js';
import { startWorker } from './worker-host.js';
import { DEFAULT_TUNING, type WorkerMessage } from './worker-protocol.js';

export const TILES_HELP = `Usage:
  dashcamd tiles estimate AREA --zoom A-B [--url TEMPLATE] [--rate R] [--concurrency N] [--json]
  dashcamd tiles download AREA --zoom A-B --url TEMPLATE --out FILE.mbtiles
                          [--concurrency N] [--rate R] [--format png|jpg|webp] [--name NAME]
                          [--attribution TEXT] [--header "Name: value"]... [--contact EMAIL|URL]
AREA is one of:
  --bbox W,S,E,N
  --center LON,LAT --radius-km R
  --route FILE.gpx|.kml|.geojson --width-km W
Run the same download command again to resume an interrupted download.
`;

class UsageError extends Error {}

const OPTIONS = {
  bbox: { type: 'string' },
  center: { type: 'string' },
  'radius-km': { type: 'string' },
  route: { type: 'string' },
  'width-km': { type: 'string' },
  zoom: { type: 'string' },
  url: { type: 'string' },
  out: { type: 'string' },
  concurrency: { type: 'string' },
  rate: { type: 'string' },
  format: { type: 'string' },
  name: { type: 'string' },
  attribution: { type: 'string' },
  header: { type: 'string', multiple: true },
  contact: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

const nums = (s: string): number[] => s.split(',').map((v) => Number(v.trim()));
const num = (s: string | undefined): number | undefined => (s === undefined ? undefined : Number(s));

function area(v: Values): unknown {
  if (v.bbox) return { type: 'bbox', bbox: nums(v.bbox) };
  if (v.center) return { type: 'radius', center: nums(v.center), radiusKm: num(v['radius-km']) };
  if (v.route) {
    const ext = extname(v.route).toLowerCase();
    const format = ext === '.gpx' ? 'gpx' : ext === '.kml' ? 'kml' : 'geojson';
    return { type: 'corridor', widthKm: num(v['width-km']), route: { format, data: readFileSync(v.route, 'utf8') } };
  }
  throw new UsageError('give an area: --bbox, --center with --radius-km, or --route with --width-km');
}

function buildSpec(v: Values, needUrl: boolean): JobSpec {
  const zoom = /^(\d+)(?:-(\d+))?$/.exec(v.zoom ?? '');
  if (!zoom) throw new UsageError('--zoom must be A-B (e.g. 0-14) or a single zoom');
  if (needUrl && !v.url) throw new UsageError('--url TEMPLATE is required');
  const headers = Object.fromEntries(
    (v.header ?? []).map((h) => {
      const i = h.indexOf(':');
      if (i <= 0) throw new UsageError(`--header must be "Name: value", got ${JSON.stringify(h)}`);
      return [h.slice(0, i).trim(), h.slice(i + 1).trim()];
    }),
  );
  const source = {
    name: v.name ?? 'cli',
    url: v.url ?? 'http://localhost/{z}/{x}/{y}.png',
    headers,
    ...(v.format ? { format: v.format } : {}),
    ...(v.attribution ? { attribution: v.attribution } : {}),
    ...(v.concurrency ? { maxConnections: Number(v.concurrency) } : {}),
    ...(v.rate ? { maxRequestsPerSecond: Number(v.rate) } : {}),
  };
  const req = { name: v.name, source, area: area(v), minZoom: Number(zoom[1]), maxZoom: Number(zoom[2] ?? zoom[1]) };
  const parsed = jobRequestSchema.safeParse(req);
  if (!parsed.success) throw new JobSpecError(formatIssues(parsed.error));
  return resolveJob(parsed.data, { sources: [], gpsFix: () => null });
}

function human(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (bytes >= 1024 && i < units.length - 1) (bytes /= 1024), i++;
  return `${bytes.toFixed(i ? 1 : 0)} ${units[i]}`;
}

function duration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
}

function printEstimate(e: Estimate, json: boolean): void {
  if (json) return void process.stdout.write(JSON.stringify(e) + '\n');
  for (const z of e.perZoom) process.stdout.write(`zoom ${String(z.zoom).padStart(2)}: ${z.tiles} tiles\n`);
  process.stdout.write(`total: ${e.tiles} tiles, about ${human(e.bytes)}, about ${duration(e.seconds)} at the source's limits\n`);
}

async function download(spec: JobSpec, out: string, total: number, contact: string): Promise<number> {
  const tty = process.stderr.isTTY;
  let lastLine = 0;
  const render = (m: Extract<WorkerMessage, { type: 'progress' }>): void => {
    const now = Date.now();
    if (!tty && now - lastLine < 1000) return;
    lastLine = now;
    const p = m.progress;
    const frac = total ? p.done / total : 1;
    const bar = '#'.repeat(Math.round(frac * 30)).padEnd(30, '.');
    const eta = m.tilesPerS > 0 ? duration((total - p.done) / m.tilesPerS) : '?';
    const line = `[${bar}] ${(frac * 100).toFixed(1)}% ${p.done}/${total} tiles, ${m.tilesPerS.toFixed(1)} tiles/s, ${human(m.bytesPerS)}/s, ETA ${eta}${m.state === 'running' ? '' : ` (${m.reason ?? m.state})`}`;
    process.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
  };
  const worker = startWorker({ jobId: 'cli', file: out, spec, userAgent: downloadUserAgent(VERSION, contact), tuning: DEFAULT_TUNING }, render);
  let interrupted = false;
  const onSignal = (): void => {
    interrupted = true;
    void worker.stop(2000);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const end = await worker.done;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  if (tty) process.stderr.write('\n');
  const p = end.progress;
  const counts = p ? `${p.stored} stored, ${p.missing} missing, ${p.failed} failed, ${human(p.bytes)}` : '';
  if (end.type === 'finished') {
    process.stdout.write(`done: ${out}: ${counts}\n`);
    return 0;
  }
  if (end.type === 'stopped' || interrupted) {
    process.stderr.write(`stopped: ${counts}; run the same command again to resume\n`);
    return 130;
  }
  process.stderr.write(`failed: ${end.reason}\n`);
  return 1;
}

export async function tilesCli(argv: string[]): Promise<number> {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
    const command = positionals[0];
    if (values.help || !command) {
      process.stdout.write(TILES_HELP);
      return values.help ? 0 : 2;
    }
    if (command !== 'estimate' && command !== 'download') throw new UsageError(`unknown tiles command ${JSON.stringify(command)}`);
    const spec = buildSpec(values, command === 'download');
    const estimate = estimateJob(spec, { avgTileBytes: 20_000, tileCap: Number.MAX_SAFE_INTEGER });
    if (command === 'estimate') {
      printEstimate(estimate, values.json ?? false);
      return 0;
    }
    if (!values.out) throw new UsageError('--out FILE.mbtiles is required');
    return await download(spec, values.out, estimate.tiles, values.contact ?? '');
  } catch (err) {
    if (err instanceof UsageError || (err instanceof TypeError && 'code' in err)) {
      process.stderr.write(`dashcamd tiles: ${err.message}\n\n${TILES_HELP}`);
      return 2;
    }
    if (err instanceof JobSpecError) {
      process.stderr.write(`dashcamd tiles: invalid job:\n  ${err.problems.join('\n  ')}\n`);
      return 2;
    }
    throw err;
  }
}
