/**
 * Idle CPU: the daemon (simulated GPS at 1 Hz, system topic, heartbeat pings)
 * with 10 connected clients and no download progress, over a window of
 * `seconds`. CPU is the daemon process's own, measured inside it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ClientPool } from './lib/clients.js';
import { atMost, round, type BenchResult } from './lib/report.js';
import type { ServerProcess } from './lib/server-process.js';

export async function idleBench(server: ServerProcess, opts: { clients: number; seconds: number }): Promise<BenchResult> {
  await server.warm();
  const pool = new ClientPool(server.wsUrl);
  try {
    await pool.add(opts.clients, 2);
    await sleep(1000);
    pool.resetCount();
    await server.startWindow(0);
    await sleep(opts.seconds * 1000);
    const window = await server.stopWindow();
    const received = pool.received;
    const cpuPercent = round(((window.cpuUserUs + window.cpuSystemUs) / window.wallUs) * 100, 3);
    return {
      name: 'idle',
      title: `Idle CPU with ${opts.clients} clients over ${opts.seconds} s (daemon in simulation mode)`,
      figures: [
        { label: `daemon CPU, ${opts.clients} clients`, value: cpuPercent, unit: '% core', goal: atMost(cpuPercent, 0.5, '%') },
        { label: 'messages received meanwhile', value: round(received / (window.wallUs / 1e6), 1), unit: 'msg/s' },
      ],
      details: { options: opts, implementation: server.ready.implementation, received, closedEarly: pool.closedEarly, server: window },
    };
  } finally {
    await pool.close();
  }
}
