/**
 * Reference processes for the idle figure: an empty Node process, with and
 * without the event-loop delay monitor the daemon runs (daemon/loop-monitor.ts,
 * perf_hooks.monitorEventLoopDelay at 10 ms resolution, i.e. 100 timer wake-ups
 * a second). They run beside the idle window and measure their own CPU the
 * same way, so the daemon's idle figure can be read against them.
 */
import { spawn } from 'node:child_process';

const SCRIPT = `
import { monitorEventLoopDelay } from 'node:perf_hooks';
const [resolution, seconds] = process.argv.slice(1).map(Number);
if (resolution > 0) monitorEventLoopDelay({ resolution }).enable();
const keep = setInterval(() => {}, 1 << 30);
await new Promise((r) => setTimeout(r, 1000));
const c0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
await new Promise((r) => setTimeout(r, seconds * 1000));
const c = process.cpuUsage(c0);
const wallUs = Number(process.hrtime.bigint() - t0) / 1000;
process.stdout.write(JSON.stringify({ cpuPercent: ((c.user + c.system) / wallUs) * 100 }) + '\\n');
clearInterval(keep);
`;

/** Starts one reference process; resolves with its CPU (% of one core) over `seconds` after a 1 s start. */
export function referenceCpu(loopMonitorResolutionMs: number, seconds: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', SCRIPT, String(loopMonitorResolutionMs), String(seconds)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      try {
        if (code !== 0) throw new Error(`exit ${code}`);
        resolve((JSON.parse(out) as { cpuPercent: number }).cpuPercent);
      } catch (err) {
        reject(new Error(`reference process failed: ${(err as Error).message}`));
      }
    });
  });
}
