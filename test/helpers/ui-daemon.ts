/**
 * The built daemon (dist/) in simulation mode for browser tests, on a fixed
 * loopback port so it can be killed and started again on the same port
 * (pick it with freePort() from wait.ts).
 */
import { spawnDaemon, type Spawned } from './daemon.js';

/** Starts `dashcamd run --simulate` and resolves once it is ready; errors carry its last log lines. */
export async function startSimDaemon(dataDir: string, port: number, extraArgs: string[] = []): Promise<Spawned> {
  const d = spawnDaemon(['run', '--simulate', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, ...extraArgs]);
  await d.url.catch((err: Error) => {
    throw new Error(`${err.message}; last log lines: ${JSON.stringify(d.lines.slice(-3))}`);
  });
  return d;
}

/** SIGTERM (after SIGCONT, in case a test froze it), SIGKILL if it does not exit in 10 s. */
export async function stopSimDaemon(d: Spawned): Promise<void> {
  if (d.proc.exitCode !== null || d.proc.signalCode !== null) return;
  d.proc.kill('SIGCONT');
  d.proc.kill('SIGTERM');
  const t = setTimeout(() => d.proc.kill('SIGKILL'), 10_000);
  await d.exit;
  clearTimeout(t);
}
