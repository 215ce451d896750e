import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startInProcess } from './helpers/daemon.js';
import { TestClient } from './helpers/ws-client.js';
import { expectedAt, startGpsfake } from './helpers/gps.js';
import { freePort } from './helpers/wait.js';

test('the daemon on gpsd streams fixes from a real gpsd on the gps topic, records a trip and reports the clock offset', async () => {
  const port = await freePort();
  const fake = await startGpsfake(port);
  const d = await startInProcess({ simulate: false, gps: { driver: 'gpsd', gpsd: { port }, trips: { minDistanceM: 0 } } });
  const client = new TestClient(d.wsUrl);
  try {
    await client.opened;
    await client.until(() => (client.state?.gps.fix?.speed ?? 0) > 1, 30_000, 'a moving fix');
    const gps = client.state!.gps;
    assert.equal(gps.source, 'gpsd');
    assert.equal(gps.connected, true);
    assert.equal(gps.stale, false);
    const fix = gps.fix!;
    const want = expectedAt(fix.time.slice(11, 19).replaceAll(':', '') + '.00');
    assert.ok(Math.abs(fix.lat - want.lat) < 1e-6 && Math.abs(fix.lon - want.lon) < 1e-6);
    // The log is from May 2026: the system clock is far from its "GPS time".
    assert.ok(typeof gps.clockOffsetMs === 'number' && Math.abs(gps.clockOffsetMs - (Date.now() - Date.parse(fix.time))) < 5000);
    const health = (await (await fetch(`${d.url}api/health`)).json()) as { gpsClock: { ok: boolean; offsetMs: number } };
    assert.equal(health.gpsClock.ok, false);
    assert.equal(d.lines.filter((l) => l.msg === 'system clock differs from GPS time').length, 1);
    const trips = (await (await fetch(`${d.url}api/trips`)).json()) as { trips: Array<{ id: number; startedAt: string; points: number }> };
    assert.equal(trips.trips.length, 1);
    assert.ok(trips.trips[0]!.startedAt.startsWith('2026-05-18T08:'), 'trip times are GPS times');
    assert.ok(trips.trips[0]!.points >= 1);
  } finally {
    client.close();
    await d.stop();
    await fake.stop();
  }
});
