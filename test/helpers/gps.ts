/**
 * Real GPS peers for tests: gpsfake (Debian's gpsd-clients) on a free port,
 * socat pty pairs, a recording GpsSink, and the sample drive's NMEA log.
 * A missing tool fails the test (spawn error), it never skips.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { GpsFix } from '../../daemon/protocol.js';
import type { GpsSink } from '../../drivers/gps/types.js';
import { ROOT } from './daemon.js';
import { sleep, waitFor } from './wait.js';

/** The sample drive (the default replay file of the simulated driver, daemon/devices.ts SAMPLE_DRIVE). */
export const DRIVE_NMEA = join(ROOT, 'drivers', 'gps', 'sample-drive.nmea');

/** A sink that records everything a driver reports. */
export function recordingSink(): GpsSink & { fixes: GpsFix[]; connections: Array<{ connected: boolean; detail?: string; at: number }> } {
  const fixes: GpsFix[] = [];
  const connections: Array<{ connected: boolean; detail?: string; at: number }> = [];
  return {
    fixes,
    connections,
    fix: (f) => void fixes.push(f),
    connection: (connected, detail) => void connections.push({ connected, detail, at: Date.now() }),
  };
}

async function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

export interface Gpsfake {
  proc: ChildProcess;
  /** SIGTERM (SIGKILL would orphan gpsfake's gpsd on the port) and wait for exit. */
  stop(): Promise<void>;
}

/** Starts `gpsfake` replaying `log` at 1 Hz on 127.0.0.1:port and waits until it listens. */
export function startGpsfake(port: number, log = DRIVE_NMEA): Promise<Gpsfake> {
  const proc = spawn('gpsfake', ['-q', '-n', '-c', '0.166', '-P', String(port), log], { stdio: ['ignore', 'ignore', 'pipe'] });
  return whenListening(proc, port, 'gpsfake', "Debian's gpsd-clients");
}

/**
 * Waits until a spawned gpsd or gpsfake accepts connections on port; a
 * missing program fails with the Debian package to install, never skips.
 */
async function whenListening(proc: ChildProcess, port: number, name: string, pkg: string): Promise<Gpsfake> {
  const stderr: string[] = [];
  proc.stderr?.on('data', (d: Buffer) => stderr.push(d.toString()));
  let failed: Error | null = null;
  proc.once('error', (err) => (failed = err));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const until = Date.now() + 10_000;
  while (!(await portOpen(port))) {
    if (failed) throw new Error(`${name} could not start (is ${pkg} installed?): ${String(failed)}`);
    if (proc.exitCode !== null || Date.now() > until) throw new Error(`${name} did not listen on ${port}: ${stderr.join('')}`);
    await sleep(50);
  }
  return {
    proc,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
}

export interface PtyPair {
  /** The end a driver opens. */
  device: string;
  /** The end a test writes NMEA into. */
  peer: string;
  stop(): Promise<void>;
}

/** `socat pty,raw,echo=0,link=A pty,raw,echo=0,link=B`; killing it is an unplug. */
export async function startPtyPair(dir: string, name = 'gps'): Promise<PtyPair> {
  const device = join(dir, `${name}-dev`);
  const peer = join(dir, `${name}-peer`);
  const proc = spawn('socat', [`pty,raw,echo=0,link=${device}`, `pty,raw,echo=0,link=${peer}`], { stdio: 'ignore' });
  let failed: Error | null = null;
  proc.once('error', (err) => (failed = err));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  await waitFor('socat ptys', () => {
    if (failed) throw new Error(`socat could not start (is Debian's socat installed?): ${String(failed)}`);
    return existsSync(device) && existsSync(peer);
  }, 10_000);
  return {
    device,
    peer,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
}

/** The sample drive's sentences (without line endings). */
export function driveSentences(): string[] {
  return readFileSync(DRIVE_NMEA, 'utf8').split(/\r?\n/).filter(Boolean);
}

/** Expected values of the sample drive at hhmmss, read from its RMC and GGA sentences. */
export function expectedAt(hhmmss: string): { lat: number; lon: number; speed: number; track: number; altitude: number } {
  const lines = driveSentences();
  const rmc = lines.find((l) => l.startsWith(`$GPRMC,${hhmmss}`))?.split(',');
  const gga = lines.find((l) => l.startsWith(`$GPGGA,${hhmmss}`))?.split(',');
  if (!rmc || !gga) throw new Error(`no epoch ${hhmmss} in the drive`);
  const deg = (v: string, d: number): number => Number(v.slice(0, d)) + Number(v.slice(d)) / 60;
  return {
    lat: deg(rmc[3]!, 2),
    lon: deg(rmc[5]!, 3),
    speed: Number(rmc[7]) / 1.943844,
    track: Number(rmc[8]),
    altitude: Number(gga[9]),
  };
}

/** A real gpsd with no device (`gpsd -N -S port`): it answers clients but never sends a TPV. */
export function startBareGpsd(port: number, dir: string): Promise<Gpsfake> {
  const proc = spawn('gpsd', ['-N', '-S', String(port), '-F', join(dir, `gpsd-${port}.sock`)], { stdio: ['ignore', 'ignore', 'pipe'] });
  return whenListening(proc, port, 'gpsd', "Debian's gpsd");
}
