import { test } from 'node:test';
import assert from 'node:assert/strict';
import { open } from 'node:fs/promises';
import { FallbackGps } from '../drivers/gps/fallback.js';
import { GpsdGps } from '../drivers/gps/gpsd.js';
import { SerialGps } from '../drivers/gps/serial.js';
import { recordingLogger, tempDir } from './helpers/daemon.js';
import { driveSentences, recordingSink, startBareGpsd, startGpsfake, startPtyPair, type Gpsfake } from './helpers/gps.js';
import { freePort, sleep, waitFor } from './helpers/wait.js';

test('auto mode falls back to the serial receiver while gpsd is absent and returns to gpsd once it delivers fixes', async () => {
  const dir = await tempDir();
  const pty = await startPtyPair(dir);
  const port = await freePort();
  const { log, lines } = recordingLogger();
  const serial = new SerialGps({ path: pty.device, baudRate: 9600, reopenMs: 200 }, log);
  const gpsd = new GpsdGps({ host: '127.0.0.1', port, reconnectMinMs: 100, reconnectMaxMs: 500 }, log);
  const auto = new FallbackGps({ fallbackAfterMs: 800 }, gpsd, serial, log);
  const sink = recordingSink();
  const sources: string[] = [];
  const recording = { ...sink, fix: (f: Parameters<typeof sink.fix>[0]) => (sources.push(auto.source), sink.fix(f)) };
  let fake: Gpsfake | null = null;
  let writing = true;
  const fh = await open(pty.peer, 'w');
  // The serial receiver talks all the time, 20 epochs per second, like a real one would (slower).
  const sentences = driveSentences();
  const writer = (async () => {
    for (let i = 0; writing; i = (i + 6) % sentences.length) {
      await fh.write(sentences.slice(i, i + 6).map((l) => l + '\r\n').join('')).catch(() => undefined);
      await sleep(50);
    }
  })();
  try {
    assert.equal(auto.source, 'gpsd');
    await auto.start(recording);
    await waitFor('serial fixes after the fallback', () => sources.includes('serial') && sink.fixes.length >= 3, 10_000);
    assert.ok(lines.some((l) => l.msg === 'no fix from gpsd; falling back'));
    assert.equal(auto.source, 'serial');
    const serialFix = sink.fixes.at(-1)!;
    assert.equal(serialFix.errorM, null, 'serial fixes carry no eph');

    fake = await startGpsfake(port);
    await waitFor('gpsd fixes again', () => sources.at(-1) === 'gpsd', 20_000);
    assert.equal(auto.source, 'gpsd');
    const n = sink.fixes.length;
    await sleep(500);
    assert.ok(sink.fixes.slice(n).every((f) => f.errorM !== null), 'only gpsd fixes (with eph) after switching back');
    assert.ok(sink.connections.at(-1)?.connected, 'connected on gpsd');
  } finally {
    writing = false;
    await writer;
    await fh.close();
    await auto.stop();
    await fake?.stop();
    await pty.stop();
  }
});

test('auto mode also falls back when gpsd runs but has no receiver (connected, no TPV)', async () => {
  const dir = await tempDir();
  const pty = await startPtyPair(dir);
  const port = await freePort();
  const bare = await startBareGpsd(port, dir);
  const { log } = recordingLogger();
  const gpsdSink = recordingSink();
  const auto = new FallbackGps(
    { fallbackAfterMs: 800 },
    new GpsdGps({ host: '127.0.0.1', port, reconnectMinMs: 100, reconnectMaxMs: 500 }, log),
    new SerialGps({ path: pty.device, baudRate: 9600, reopenMs: 200 }, log),
    log,
  );
  const fh = await open(pty.peer, 'w');
  try {
    await auto.start(gpsdSink);
    await waitFor('connected to the bare gpsd', () => gpsdSink.connections.some((c) => c.connected && /gpsd 3/.test(c.detail ?? '')));
    await waitFor('switched to serial', () => auto.source === 'serial', 10_000);
    await waitFor('serial port open', () => gpsdSink.connections.some((c) => c.connected && /baud/.test(c.detail ?? '')));
    await fh.write(driveSentences().slice(0, 18).map((l) => l + '\r\n').join(''));
    await waitFor('serial fixes', () => gpsdSink.fixes.length >= 2);
  } finally {
    await fh.close();
    await auto.stop();
    await bare.stop();
    await pty.stop();
  }
});
