/**
 * Idle CPU: the daemon (simulated GPS at 1 Hz, system topic, heartbeat pings)
 * with 10 connected clients and no download progress, over a window of
 * `seconds`. CPU is the daemon process's own, measured inside it. Two
 * reference processes run over the same window (bench/lib/reference.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ClientPool } from './lib/clients.js';
import { referenceCpu } from './lib/reference.js';
import { atMost, round, type BenchResult } from './lib/report.js';
import type { ServerProcess } from './lib/server-process.js';

/** daemon/loop-monitor.ts's resolution. */
const LOOP_MONITOR_RESOLUTION_MS = 10;

export async function idleBench(server: ServerProcess, opts: { clients: number; seconds: number }): Promise<BenchResult> {
  await server.warm();
  const pool = new ClientPool(server.wsUrl);
  try {
    await pool.add(opts.clients, 2);
    // The references spend 1 s starting, as the daemon's clients settle.
    const references = Promise.all([referenceCpu(0, opts.seconds), referenceCpu(LOOP_MONITOR_RESOLUTION_MS, opts.seconds)]);
    await sleep(1000);
    pool.resetCount();
    await server.startWindow(0);
    await sleep(opts.seconds * 1000);
    const window = await server.stopWindow();
    const received = pool.received;
    const [emptyNode, loopMonitorOnly] = (await references).map((x) => round(x, 3)) as [number, number];
    const cpuPercent = round(((window.cpuUserUs + window.cpuSystemUs) / window.wallUs) * 100, 3);
    return {
      name: 'idle',
      title: `Idle CPU with ${opts.clients} clients over ${opts.seconds} s (daemon in simulation mode)`,
      figures: [
        { label: `daemon CPU, ${opts.clients} clients`, value: cpuPercent, unit: '% core', goal: atMost(cpuPercent, 0.5, '%') },
        { label: 'messages received meanwhile', value: round(received / (window.wallUs / 1e6), 1), unit: 'msg/s' },
        { label: 'reference: empty node process', value: emptyNode, unit: '% core' },
        { label: `reference: node + loop delay monitor (${LOOP_MONITOR_RESOLUTION_MS} ms)`, value: loopMonitorOnly, unit: '% core' },
      ],
      details: {
        options: opts,
        implementation: server.ready.implementation,
        received,
        closedEarly: pool.closedEarly,
        server: window,
        reference: { emptyNodeCpuPercent: emptyNode, loopMonitorCpuPercent: loopMonitorOnly, loopMonitorResolutionMs: LOOP_MONITOR_RESOLUTION_MS },
      },
    };
  } finally {
    await pool.close();
  }
}
