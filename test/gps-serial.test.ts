import { test } from 'node:test';
import assert from 'node:assert/strict';
import { open, type FileHandle } from 'node:fs/promises';
import { SerialGps } from '../drivers/gps/serial.js';
import { NmeaAssembler } from '../drivers/gps/nmea.js';
import { recordingLogger, tempDir } from './helpers/daemon.js';
import { driveSentences, expectedAt, recordingSink, startPtyPair } from './helpers/gps.js';
import { sleep, waitFor } from './helpers/wait.js';

const EPOCH = 6; // sentences per epoch in the sample drive

async function writeLines(fh: FileHandle, lines: string[], pauseMs = 5): Promise<void> {
  for (let i = 0; i < lines.length; i += EPOCH) {
    await fh.write(lines.slice(i, i + EPOCH).map((l) => l + '\r\n').join(''));
    await sleep(pauseMs);
  }
}

test('a serial receiver on a pty delivers the fixes of the log; bad checksums, missing checksums and garbage are ignored', async () => {
  const dir = await tempDir();
  const pty = await startPtyPair(dir);
  const sink = recordingSink();
  const gps = new SerialGps({ path: pty.device, baudRate: 9600, reopenMs: 500 }, recordingLogger().log);
  let fh: FileHandle | null = null;
  try {
    await gps.start(sink);
    await waitFor('port open', () => sink.connections.some((c) => c.connected));
    fh = await open(pty.peer, 'w');
    const lines = driveSentences().slice(0, 60 * EPOCH);
    // Epoch 50 (08:00:50): its RMC gets a wrong latitude under the old checksum, its VTG loses its checksum.
    const rmc50 = lines.findIndex((l) => l.startsWith('$GPRMC,080050.00'));
    lines[rmc50] = lines[rmc50]!.replace(',4808.', ',4908.');
    lines[rmc50 + 1] = lines[rmc50 + 1]!.replace(/\*[0-9A-F]{2}$/, '');
    // Garbage bytes (incl. NUL, '$', newlines and high bytes) between epochs 20 and 21.
    const garbage = Buffer.from([0, 255, 36, 71, 80, 10, 13, 200, 36, 36, 42, 10, 1, 2, 3, ...Buffer.from('$GPRMC,,,,*ZZ\n$$$$\n')]);
    await writeLines(fh, lines.slice(0, 21 * EPOCH));
    await fh.write(garbage);
    await fh.write(Buffer.alloc(10_000, 0x41)); // a long run with no newline at all
    await fh.write('\r\n');
    await writeLines(fh, lines.slice(21 * EPOCH));
    await waitFor('fixes of 60 epochs', () => sink.fixes.find((f) => f.time === '2026-05-18T08:00:58.000Z'), 15_000);

    assert.ok(sink.fixes.every((f) => f.lat < 48.2), 'the corrupted latitude never reaches a fix');
    assert.ok(gps.stats.badChecksum >= 2, `bad sentences counted: ${gps.stats.badChecksum}`);
    const at30 = sink.fixes.find((f) => f.time === '2026-05-18T08:00:30.000Z');
    assert.ok(at30, 'fix at 08:00:30');
    const want = expectedAt('080030.00');
    assert.ok(Math.abs(at30.lat - want.lat) < 1e-7 && Math.abs(at30.lon - want.lon) < 1e-7);
    assert.ok(Math.abs(at30.speed! - want.speed) < 1e-3);
    assert.equal(at30.altitude, want.altitude);
    assert.equal(at30.track, want.track);
    assert.deepEqual([at30.mode, at30.hdop, at30.satellitesUsed, at30.satellitesVisible], ['3d', 0.9, 7, 8]);
    // Epoch 50 lost its RMC: GGA alone still yields its position.
    const at50 = sink.fixes.find((f) => f.time === '2026-05-18T08:00:50.000Z');
    assert.ok(at50 && Math.abs(at50.lat - expectedAt('080050.00').lat) < 1e-7);
  } finally {
    await fh?.close();
    await gps.stop();
    await pty.stop();
  }
});

test('unplugging the receiver (socat killed) reports a disconnect, and replugging brings fixes back', async () => {
  const dir = await tempDir();
  let pty = await startPtyPair(dir);
  const sink = recordingSink();
  const gps = new SerialGps({ path: pty.device, baudRate: 9600, reopenMs: 500 }, recordingLogger().log);
  const lines = driveSentences();
  try {
    await gps.start(sink);
    await waitFor('port open', () => sink.connections.some((c) => c.connected));
    let fh = await open(pty.peer, 'w');
    await writeLines(fh, lines.slice(0, 10 * EPOCH));
    await waitFor('first fixes', () => sink.fixes.length >= 5);
    await pty.stop(); // unplug
    await fh.close().catch(() => undefined);
    await waitFor('disconnect', () => sink.connections.at(-1)?.connected === false, 10_000);
    await sleep(1200); // a few failed reopen attempts while the device is gone
    const before = sink.fixes.length;
    pty = await startPtyPair(dir); // replug, same path
    const replugAt = Date.now();
    await waitFor('reopened', () => sink.connections.find((c) => c.connected && c.at >= replugAt), 10_000);
    fh = await open(pty.peer, 'w');
    await writeLines(fh, lines.slice(10 * EPOCH, 20 * EPOCH));
    await waitFor('fixes after replug', () => sink.fixes.length >= before + 5, 10_000);
    assert.equal(sink.fixes.at(-1)!.time.slice(11, 19) >= '08:00:14', true);
    await fh.close();
  } finally {
    await gps.stop();
    await pty.stop();
  }
});

test('with no device present the driver keeps probing without throwing', async () => {
  const dir = await tempDir();
  const sink = recordingSink();
  const { log, lines } = recordingLogger();
  const gps = new SerialGps({ baudRate: 9600, reopenMs: 50, probePaths: [`${dir}/ttyACM0`, `${dir}/ttyUSB0`] }, log);
  await gps.start(sink);
  await sleep(300);
  await gps.stop();
  assert.ok(sink.connections.every((c) => !c.connected));
  assert.equal(lines.filter((l) => l.msg === 'serial GPS unavailable; retrying').length, 1, 'the same problem is logged once');
});

test('the NMEA assembler ignores random bytes and never throws', () => {
  const a = new NmeaAssembler();
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let i = 0; i < 5000; i++) {
    const len = Math.floor(rnd() * 100);
    const s = Array.from({ length: len }, () => String.fromCharCode(Math.floor(rnd() * 256))).join('');
    assert.deepEqual(a.push((rnd() < 0.5 ? '$GP' + ['RMC', 'GGA', 'GSA'][i % 3] + ',' : '') + s), []);
  }
});
