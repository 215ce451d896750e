import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { ROOT, startInProcess, tempDir } from './helpers/daemon.js';
import { TestClient } from './helpers/ws-client.js';
import { parseGpx } from './helpers/gpx.js';
import { sleep, waitFor } from './helpers/wait.js';
import type { TrackPoint } from '../daemon/trips/trip-db.js';

interface TripJson {
  id: number;
  points: number;
  open: boolean;
  startedAt: string;
  endReason: string | null;
}

function readPoints(file: string): TrackPoint[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT t, lat, lon, ele, speed, course, hdop, sats, fix FROM points ORDER BY t').all() as TrackPoint[];
  } finally {
    db.close();
  }
}

test('the trips API lists the simulated drive and exports it as GPX that matches the database', async () => {
  const dataDir = await tempDir();
  const d = await startInProcess({ dataDir, gps: { simulatedSpeedup: 1, trips: { minDistanceM: 0 } } });
  try {
    let list: { trips: TripJson[]; current: number | null } = { trips: [], current: null };
    const until = Date.now() + 20_000;
    while (!(list.trips[0] && list.trips[0].points >= 3)) {
      if (Date.now() > until) throw new Error('no trip with points');
      await sleep(200);
      list = (await (await fetch(`${d.url}api/trips`)).json()) as typeof list;
    }
    assert.equal(list.current, 1);
    assert.equal(list.trips[0]!.open, true);

    const res = await fetch(`${d.url}api/trips/1/gpx`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/gpx\+xml/);
    assert.match(res.headers.get('content-disposition') ?? '', /trip-1\.gpx/);
    const tracks = parseGpx(await res.text());
    const stored = readPoints(join(dataDir, 'trips.sqlite'));
    assert.equal(tracks.length, 1);
    const got = tracks[0]!.points;
    assert.ok(got.length >= 3);
    // The export flushed pending points first, so it holds at least what the file held before the request.
    assert.deepEqual(
      got.slice(0, stored.length).map((p) => [p.lat, p.lon, p.ele, Date.parse(p.time), p.speed]),
      stored.slice(0, got.length).map((p) => [p.lat, p.lon, p.ele, p.t, p.speed]),
    );

    const from = new Date(Date.parse(got[1]!.time)).toISOString();
    const to = new Date(Date.parse(got.at(-1)!.time)).toISOString();
    const range = await fetch(`${d.url}api/track/gpx?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
    assert.equal(range.status, 200);
    const ranged = parseGpx(await range.text()).flatMap((t) => t.points);
    assert.deepEqual(ranged.map((p) => p.time).slice(0, got.length - 1), got.slice(1).map((p) => p.time));

    const missing = await fetch(`${d.url}api/trips/999/gpx`);
    assert.equal(missing.status, 404);
    const bad = await fetch(`${d.url}api/track/gpx?from=yesterday&to=${encodeURIComponent(to)}`);
    assert.equal(bad.status, 400);
    const body = (await bad.json()) as { error: { code: string; details: string[] } };
    assert.equal(body.error.code, 'VALIDATION');
    assert.ok(body.error.details.some((l) => l.startsWith('from:')), body.error.details.join('; '));
  } finally {
    await d.stop();
  }
});

test('a SIGKILL while logging loses no more than the batch interval of track', async () => {
  const dataDir = await tempDir();
  // The longest batch allowed, so points are really pending when the kill lands;
  // points a little under 1 s apart, so every 1 Hz fix is kept.
  const commitIntervalMs = 2000;
  const pointIntervalMs = 900;
  const configFile = join(dataDir, 'config.json');
  await writeFile(configFile, '{}');
  const proc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'daemon', 'cli.ts'), 'run', '--simulate', '--listen', '127.0.0.1:0', '--data-dir', dataDir], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DASHCAMD_CONFIG: configFile,
      DASHCAMD_GPS__TRIPS__MIN_DISTANCE_M: '0',
      DASHCAMD_GPS__TRIPS__COMMIT_INTERVAL_MS: String(commitIntervalMs),
      DASHCAMD_GPS__TRIPS__POINT_INTERVAL_MS: String(pointIntervalMs),
    },
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => proc.on('exit', (_c, s) => resolve(s)));
  let out = '';
  proc.stdout.on('data', (b: Buffer) => (out += b.toString()));
  let err = '';
  proc.stderr.on('data', (b: Buffer) => (err += b.toString()));
  let client: TestClient | null = null;
  try {
    const url = await waitFor('daemon ready', () => /"url":"(http:[^"]+)"[^\n]*dashcamd ready/.exec(out)?.[1] ?? (proc.exitCode !== null ? (() => { throw new Error(err); })() : null), 30_000);
    client = new TestClient(url.replace('http:', 'ws:') + 'ws');
    await client.opened;
    await client.until(() => (client?.state?.gps.fix ? true : false), 15_000, 'a fix');
    await sleep(5000 + Math.random() * 2000); // several batches committed, one in flight
    const lastSeen = Date.parse(client.state!.gps.fix!.time);
    proc.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');
    const db = new Database(join(dataDir, 'trips.sqlite'));
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    const last = (db.prepare('SELECT max(t) AS t, count(*) AS n FROM points').get() as { t: number; n: number });
    db.close();
    assert.ok(last.n >= 4, `${last.n} points survived`);
    const lostMs = lastSeen - last.t;
    process.stdout.write(`# SIGKILL: newest stored point ${lostMs} ms older than the newest fix seen by a client\n`);
    assert.ok(lostMs <= commitIntervalMs, `lost ${lostMs} ms of track`);
  } finally {
    client?.close();
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await exited;
  }
});
