import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SimulatedGps, fixesFromNmea, fixesFromGpx } from '../drivers/gps/simulated.js';
import { createGpsDriver, SAMPLE_DRIVE } from '../daemon/devices.js';
import { loadConfig } from '../daemon/config/load.js';
import { toGpx } from '../daemon/trips/gpx.js';
import { recordingLogger, tempDir } from './helpers/daemon.js';
import { DRIVE_NMEA, driveSentences, expectedAt, recordingSink } from './helpers/gps.js';
import { waitFor } from './helpers/wait.js';

test('the sample drive parses into one fix per second with the values of its sentences', () => {
  const fixes = fixesFromNmea(driveSentences().join('\r\n'));
  assert.equal(fixes.length, driveSentences().filter((l) => l.startsWith('$GPRMC')).length);
  const f = fixes[100]!;
  const want = expectedAt(f.time.slice(11, 19).replaceAll(':', '') + '.00');
  assert.ok(Math.abs(f.lat - want.lat) < 1e-7 && Math.abs(f.lon - want.lon) < 1e-7);
  assert.ok(fixes.every((x, i) => i === 0 || Date.parse(x.time) - Date.parse(fixes[i - 1]!.time) === 1000));
  // The lap closes: the last fix is where the first one is, so a looping replay does not jump.
  assert.ok(Math.abs(fixes.at(-1)!.lat - fixes[0]!.lat) < 1e-6 && Math.abs(fixes.at(-1)!.lon - fixes[0]!.lon) < 1e-6);
});

test('simulation mode replays the sample drive by default, the file the tests check', async () => {
  assert.equal(SAMPLE_DRIVE, DRIVE_NMEA);
  const config = loadConfig({ file: null, env: {}, overrides: { simulate: true } });
  assert.equal(config.gps.replayFile, undefined);
  const gps = createGpsDriver(config, recordingLogger().log);
  assert.ok(gps instanceof SimulatedGps);
  const sink = recordingSink();
  await gps.start(sink);
  await gps.stop();
  assert.equal(sink.connections[0]?.connected, true, sink.connections[0]?.detail);
  assert.match(sink.connections[0]?.detail ?? '', /^replaying .*sample-drive\.nmea \(1\d\d fixes/);
  assert.equal(sink.fixes.length, 1);
});

test('the replay emits the log in order with the current time and loops back to its start', async () => {
  const dir = await tempDir();
  const file = join(dir, 'short.nmea');
  const lines = driveSentences().slice(30 * 6, 35 * 6); // five moving epochs
  await writeFile(file, lines.join('\r\n') + '\r\n');
  const expected = fixesFromNmea(lines.join('\n'));
  const sink = recordingSink();
  const gps = new SimulatedGps({ file, speedup: 50 });
  const startedAt = Date.now();
  await gps.start(sink);
  try {
    await waitFor('two laps', () => sink.fixes.length >= 11, 10_000);
  } finally {
    await gps.stop();
  }
  assert.ok(sink.connections[0]?.connected);
  const pos = (f: { lat: number; lon: number; speed: number | null }) => [f.lat, f.lon, f.speed];
  assert.deepEqual(sink.fixes.slice(0, 5).map(pos), expected.map(pos));
  assert.deepEqual(sink.fixes.slice(5, 10).map(pos), expected.map(pos), 'second lap starts at the beginning');
  assert.ok(gps.completedLaps >= 2);
  assert.ok(sink.fixes.every((f) => Date.parse(f.time) >= startedAt - 1000), 'fixes carry the current time, not the log time');
});

test('a missing replay file reports the GPS disconnected instead of throwing', async () => {
  const sink = recordingSink();
  const gps = new SimulatedGps({ file: DRIVE_NMEA + '.missing', speedup: 1 });
  await gps.start(sink);
  await gps.stop();
  assert.equal(sink.connections.length, 1);
  assert.equal(sink.connections[0]!.connected, false);
  assert.match(sink.connections[0]!.detail ?? '', /cannot read replay file/);
});

test('a GPX track replays with the positions, times and speeds it was exported with', async () => {
  const fixes = fixesFromNmea(driveSentences().join('\n')).slice(0, 40);
  const pts = fixes.map((f) => ({ t: Date.parse(f.time), lat: f.lat, lon: f.lon, ele: f.altitude, speed: f.speed, course: f.track, hdop: f.hdop, sats: f.satellitesUsed, fix: f.mode }));
  const back = fixesFromGpx(toGpx('drive', [{ name: 'drive', points: pts }]));
  const key = (f: { time: string; lat: number; lon: number; altitude: number | null; speed: number | null; track: number | null; mode: string }) =>
    [f.time, f.lat, f.lon, f.altitude, f.speed, f.track, f.mode];
  assert.deepEqual(back.map(key), fixes.map(key));

  const dir = await tempDir();
  const file = join(dir, 'drive.gpx');
  await writeFile(file, toGpx('drive', [{ name: 'drive', points: pts.slice(10, 13) }]));
  const sink = recordingSink();
  const gps = new SimulatedGps({ file, speedup: 50 });
  await gps.start(sink);
  try {
    await waitFor('a lap of the GPX file', () => sink.fixes.length >= 3);
  } finally {
    await gps.stop();
  }
  assert.deepEqual(sink.fixes.slice(0, 3).map((f) => [f.lat, f.lon]), fixes.slice(10, 13).map((f) => [f.lat, f.lon]));
});

test('a GPX file from another tool (no speed, other attribute order, no times) gets derived speed and course', () => {
  const gpx = `<?xml version="1.0"?><gpx version="1.1" creator="x" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>
    <trkpt lon="11.0" lat="48.0"><ele>500</ele><time>2026-01-01T10:00:00Z</time></trkpt>
    <trkpt lon="11.0" lat="48.0001"><ele>501</ele><time>2026-01-01T10:00:01Z</time></trkpt>
    <trkpt lat="95" lon="11"/>
    <trkpt lat="48.0002" lon="11.0"/>
  </trkseg></trk></gpx>`;
  const f = fixesFromGpx(gpx);
  assert.equal(f.length, 3, 'the out-of-range point is skipped');
  assert.ok(Math.abs(f[1]!.speed! - 11.12) < 0.05, `speed ${f[1]!.speed}`);
  assert.ok(Math.abs(f[0]!.track! - 0) < 0.01);
  assert.deepEqual([f[2]!.time, f[2]!.mode, f[2]!.altitude], ['2026-01-01T10:00:02.000Z', '2d', null]);
});
