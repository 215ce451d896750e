import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SimulatedGps, fixesFromNmea } from '../drivers/gps/simulated.js';
import { tempDir } from './helpers/daemon.js';
import { DRIVE_NMEA, driveSentences, expectedAt, recordingSink, waitFor } from './helpers/gps.js';

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
