import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { StateStore } from '../daemon/state.js';
import { TripDb, type TrackPoint } from '../daemon/trips/trip-db.js';
import { TripRecorder, type TripRecorderOptions } from '../daemon/trips/trip-recorder.js';
import { toGpx } from '../daemon/trips/gpx.js';
import { fixesFromNmea } from '../drivers/gps/simulated.js';
import type { GpsFix } from '../daemon/protocol.js';
import { recordingLogger, tempDir } from './helpers/daemon.js';
import { driveSentences } from './helpers/gps.js';
import { parseGpx } from './helpers/gpx.js';

const OPTS: TripRecorderOptions = {
  enabled: true,
  pointIntervalMs: 1000,
  minDistanceM: 2,
  commitIntervalMs: 1000,
  endAfterStopMs: 30_000,
  stopSpeedMps: 0.5,
  retentionDays: 0,
  maxDbBytes: 0,
};

/** A recorder on a real SQLite file and a real store, with a clock the test moves. */
async function harness(opts: Partial<TripRecorderOptions> = {}) {
  const dir = await tempDir();
  const file = join(dir, 'trips.sqlite');
  const store = new StateStore();
  let now = 1_000_000;
  const { log, lines } = recordingLogger();
  const rec = new TripRecorder({ ...OPTS, ...opts, now: () => now }, new TripDb(file), store, log);
  const feed = (fix: GpsFix) => {
    now += 1000;
    store.set('gps', { ...store.get('gps'), fix, lastFixAt: now });
  };
  const setIgnition = (on: boolean) => store.set('gpio', { ...store.get('gpio'), ignition: on });
  return { file, store, rec, feed, lines, setIgnition, advance: (ms: number) => (now += ms) };
}

const drive = (): GpsFix[] => fixesFromNmea(driveSentences().join('\n'));

test('a trip starts on the first fix after boot and stores points by interval and distance', async () => {
  const h = await harness();
  h.rec.start();
  try {
    const fixes = drive();
    for (const f of fixes.slice(0, 60)) h.feed(f);
    assert.equal(h.rec.currentTripId, 1);
    h.rec.flush();
    const pts = h.rec.db.tripPoints(1);
    // The car stands for the first 4 fixes: one point there, then one per second of driving.
    const moving = fixes.slice(0, 60).filter((f, i) => i === 0 || (f.speed ?? 0) > 0);
    assert.ok(Math.abs(pts.length - moving.length) <= 1, `${pts.length} points for ${moving.length} moving fixes`);
    assert.equal(pts[0]!.t, Date.parse(fixes[0]!.time));
    assert.deepEqual([pts[0]!.lat, pts[0]!.lon, pts[0]!.ele, pts[0]!.fix, pts[0]!.sats], [fixes[0]!.lat, fixes[0]!.lon, fixes[0]!.altitude, '3d', 7]);
    const trip = h.rec.db.trip(1)!;
    assert.equal(trip.points, pts.length);
    assert.ok(trip.distanceM > 300, `distance ${trip.distanceM}`);
  } finally {
    h.rec.stop();
  }
});

test('a long stop ends the trip and moving again starts the next one; a short stop does not', async () => {
  const h = await harness();
  h.rec.start();
  try {
    const fixes = drive();
    for (const f of fixes) h.feed(f); // includes an 8 s stop at a light
    assert.equal(h.rec.currentTripId, 1, 'the 8 s stop at the light did not end the trip');
    const parked = { ...fixes.at(-1)!, speed: 0 };
    for (let i = 0; i < 31; i++) h.feed({ ...parked, time: new Date(Date.parse(parked.time) + (i + 1) * 1000).toISOString() });
    assert.equal(h.rec.currentTripId, null);
    assert.equal(h.rec.db.trip(1)!.endReason, 'stop');
    for (let i = 0; i < 5; i++) h.feed({ ...parked, time: new Date(Date.parse(parked.time) + (40 + i) * 1000).toISOString() });
    assert.equal(h.rec.currentTripId, null, 'standing still does not start a trip');
    h.feed({ ...fixes[10]!, time: new Date(Date.parse(parked.time) + 50_000).toISOString() });
    assert.equal(h.rec.currentTripId, 2, 'moving again starts trip 2');
    assert.ok(h.lines.some((l) => l.msg === 'trip ended' && l.reason === 'stop'));
  } finally {
    h.rec.stop();
  }
  const again = new TripDb(h.file);
  again.open();
  assert.deepEqual(again.listTrips(5).map((t) => [t.id, t.endReason]), [[2, 'shutdown'], [1, 'stop']]);
  again.close();
});

test('ignition off ends the trip and nothing is recorded until ignition is on again', async () => {
  const h = await harness();
  h.rec.start();
  try {
    const fixes = drive();
    for (const f of fixes.slice(0, 20)) h.feed(f);
    h.setIgnition(false);
    assert.equal(h.rec.currentTripId, null);
    for (const f of fixes.slice(20, 30)) h.feed(f);
    assert.equal(h.rec.currentTripId, null);
    h.setIgnition(true);
    h.feed(fixes[30]!);
    assert.equal(h.rec.currentTripId, 2);
    const trips = h.rec.db.listTrips(10);
    assert.deepEqual(trips.map((t) => [t.id, t.endReason]), [[2, null], [1, 'ignition']]);
  } finally {
    h.rec.stop();
  }
});

test('a trip left open by a crash is closed as interrupted on the next start', async () => {
  const h = await harness();
  h.rec.start();
  for (const f of drive().slice(0, 10)) h.feed(f);
  h.rec.flush();
  // Simulate the crash: the database is left as is, without stop().
  const db2 = new TripDb(h.file);
  db2.open();
  assert.equal(db2.closeInterrupted(), 1);
  const t = db2.trip(1)!;
  assert.equal(t.endReason, 'interrupted');
  assert.equal(t.endedAt, t.lastAt);
  db2.close();
  h.rec.stop();
});

test('GPX 1.1 of stored points parses back to the same points', () => {
  const pts: TrackPoint[] = drive().slice(0, 50).map((f) => ({
    t: Date.parse(f.time), lat: f.lat, lon: f.lon, ele: f.altitude, speed: f.speed, course: f.track, hdop: f.hdop, sats: f.satellitesUsed, fix: f.mode,
  }));
  pts[3] = { ...pts[3]!, ele: null, speed: null, course: null, hdop: null, sats: null, fix: '2d' };
  const gpx = toGpx('A & B <test> "trip"', [{ name: 'trip 1 & more', points: pts.slice(0, 30) }, { name: 'trip 2', points: pts.slice(30) }]);
  const parsed = parseGpx(gpx);
  assert.deepEqual(parsed.map((t) => t.name), ['trip 1 & more', 'trip 2']);
  const back = parsed.flatMap((t) => t.points);
  assert.deepEqual(
    back,
    pts.map((p) => ({ lat: p.lat, lon: p.lon, ele: p.ele, time: new Date(p.t).toISOString(), fix: p.fix, sat: p.sats, hdop: p.hdop, speed: p.speed, course: p.course })),
  );
});

test('retention deletes trips past their age, then the oldest ones over the size limit, never the open trip', async () => {
  const dir = await tempDir();
  const db = new TripDb(join(dir, 'trips.sqlite'));
  db.open();
  const day = 86_400_000;
  const base = Date.parse('2026-01-01T00:00:00Z');
  const mk = (start: number, n: number, open = false) => {
    const id = db.createTrip(start);
    const pts = Array.from({ length: n }, (_, i) => ({ t: start + i * 1000, lat: 48 + i * 1e-5, lon: 11, ele: 500, speed: 10, course: 90, hdop: 1, sats: 8, fix: '3d' as const }));
    db.appendPoints(id, pts, n * 10);
    if (!open) db.endTrip(id, start + n * 1000, 'stop');
    return id;
  };
  const old = mk(base, 100);
  const a = mk(base + 100 * day, 20_000);
  const b = mk(base + 101 * day, 20_000);
  const current = mk(base + 102 * day, 20_000, true);
  assert.deepEqual(db.applyRetention(base + 50 * day, null), [old]);
  const used = db.usedBytes();
  assert.deepEqual(db.applyRetention(null, used - 1), [a], 'one trip is enough to get under the limit');
  assert.deepEqual(db.applyRetention(null, 1), [b], 'the open trip stays even over the limit');
  assert.ok(db.trip(current));
  db.close();
  // The file is a plain SQLite database in WAL mode that another client can read.
  const raw = new Database(join(dir, 'trips.sqlite'), { readonly: true });
  assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal((raw.prepare('SELECT count(*) AS n FROM points').get() as { n: number }).n, 20_000);
  raw.close();
});

test('without speed from the receiver, movement is judged from positions', async () => {
  const h = await harness();
  h.rec.start();
  try {
    const moving = drive().slice(10, 60).map((f) => ({ ...f, speed: null }));
    for (const f of moving) h.feed(f);
    assert.equal(h.rec.currentTripId, 1, '50 s of driving without speed did not look like a stop');
    const last = moving.at(-1)!;
    for (let i = 1; i <= 31; i++) h.feed({ ...last, time: new Date(Date.parse(last.time) + i * 1000).toISOString() });
    assert.equal(h.rec.currentTripId, null);
    assert.equal(h.rec.db.trip(1)!.endReason, 'stop');
  } finally {
    h.rec.stop();
  }
});

test('a corrupt trip database is logged and the recorder runs without trips instead of failing the start', async () => {
  const h = await harness();
  await writeFile(h.file, Buffer.alloc(8192, 0x5a));
  h.rec.start();
  h.feed(drive()[0]!);
  h.rec.stop();
  assert.ok(h.lines.some((l) => l.msg === 'trip database unavailable; trips are not recorded'));
});
