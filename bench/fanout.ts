/**
 * Fan-out: 50 and 200 clients receiving a ~300-byte progress delta at 4 Hz,
 * from the dashcamd channel, a plain `ws` server and the bare uWS send loop,
 * each in its own process. Figures: messages/s the clients received, the
 * server process's CPU (% of one core), and CPU time per delivered message.
 *
 * Each figure is the median of several short windows: at 1 % of a core, one
 * full GC or one system-topic sample in a window moves the figure by half, and
 * the median keeps such one-off events from deciding the comparison. Every
 * window is kept in the JSON.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ClientPool } from './lib/clients.js';
import { SERVER_KINDS, type ServerKind, type ServerWindow } from './lib/ipc.js';
import { atLeast, atMost, round, type BenchResult, type Figure } from './lib/report.js';
import type { ServerProcess } from './lib/server-process.js';
import { median } from './lib/stats.js';

export interface FanoutOptions {
  clientCounts: number[];
  hz: number;
  /** Windows per measurement, and their length. */
  windows: number;
  windowSeconds: number;
  /** Windows without progress on the channel, for its baseline. */
  baselineWindows: number;
}

interface Window {
  received: number;
  progressReceived: number;
  messagesPerS: number;
  cpuPercent: number;
  cpuUsPerMessage: number;
  server: ServerWindow;
}

interface Measurement {
  hz: number;
  /** Medians over the windows. */
  messagesPerS: number;
  cpuPercent: number;
  cpuUsPerMessage: number;
  /** Progress deltas published times clients, against those received, over all windows (%). */
  progressDeliveredPercent: number;
  /** All text frames received over all windows. */
  received: number;
  windows: Window[];
}

interface Run extends Measurement {
  kind: ServerKind;
  implementation: string;
  clients: number;
  closedEarly: number;
  /**
   * Channel only: the same daemon and clients with no progress published (its
   * simulated GPS, system topic and heartbeat keep running), and the CPU per
   * progress message once that baseline is subtracted.
   */
  baseline?: Measurement;
  marginalCpuUsPerMessage?: number;
}

function sum<T>(items: T[], f: (x: T) => number): number {
  return items.reduce((n, x) => n + f(x), 0);
}

const LABEL: Record<ServerKind, string> = { channel: 'channel', ws: 'ws', uws: 'bare uWS' };

async function window(server: ServerProcess, pool: ClientPool, hz: number, seconds: number): Promise<Window> {
  // Reset before the server's first tick can arrive; read once it stopped publishing.
  pool.resetCount();
  await server.startWindow(hz);
  await sleep(seconds * 1000);
  const w = await server.stopWindow();
  const received = pool.received;
  const progressReceived = pool.progress;
  const cpuUs = w.cpuUserUs + w.cpuSystemUs;
  return {
    received,
    progressReceived,
    messagesPerS: round(received / (w.wallUs / 1e6), 1),
    cpuPercent: round((cpuUs / w.wallUs) * 100, 3),
    cpuUsPerMessage: round(cpuUs / Math.max(1, received), 2),
    server: w,
  };
}

async function measure(server: ServerProcess, pool: ClientPool, hz: number, count: number, seconds: number): Promise<Measurement> {
  await sleep(500); // let connection handshakes and snapshots settle
  const windows: Window[] = [];
  for (let i = 0; i < count; i++) windows.push(await window(server, pool, hz, seconds));
  return {
    hz,
    messagesPerS: median(windows.map((w) => w.messagesPerS)),
    cpuPercent: median(windows.map((w) => w.cpuPercent)),
    cpuUsPerMessage: median(windows.map((w) => w.cpuUsPerMessage)),
    progressDeliveredPercent: round((100 * sum(windows, (w) => w.progressReceived)) / Math.max(1, sum(windows, (w) => w.server.ticks * w.server.clients)), 2),
    received: sum(windows, (w) => w.received),
    windows,
  };
}

async function runKind(kind: ServerKind, server: ServerProcess, opts: FanoutOptions): Promise<Run[]> {
  await server.warm();
  const pool = new ClientPool(server.wsUrl);
  const runs: Run[] = [];
  try {
    for (const count of [...opts.clientCounts].sort((a, b) => a - b)) {
      // The channel greets with hello and snapshot; the bare servers say nothing.
      await pool.add(count - pool.size, kind === 'channel' ? 2 : 0);
      const m = await measure(server, pool, opts.hz, opts.windows, opts.windowSeconds);
      const run: Run = { kind, implementation: server.ready.implementation, clients: pool.size, closedEarly: 0, ...m };
      if (kind === 'channel') {
        const base = await measure(server, pool, 0, opts.baselineWindows, opts.windowSeconds);
        run.baseline = base;
        // 1 % of a core is 10^4 us of CPU per second.
        const extraMsgPerS = run.messagesPerS - base.messagesPerS;
        run.marginalCpuUsPerMessage = round(((run.cpuPercent - base.cpuPercent) * 1e4) / Math.max(1, extraMsgPerS), 2);
      }
      run.closedEarly = pool.closedEarly;
      runs.push(run);
    }
  } finally {
    await pool.close();
  }
  return runs;
}

function figuresFor(runs: Run[], opts: FanoutOptions): Figure[] {
  const figures: Figure[] = [];
  const find = (kind: ServerKind, clients: number): Run | undefined => runs.find((r) => r.kind === kind && r.clients === clients);
  const top = Math.max(...opts.clientCounts);
  for (const count of opts.clientCounts) {
    for (const kind of SERVER_KINDS) {
      const r = find(kind, count);
      if (!r) continue;
      const tag = `${LABEL[kind]} ${count}x${opts.hz}Hz`;
      const cpuGoal = kind === 'channel' && count === top ? { goal: atMost(r.cpuPercent, 5, '%') } : {};
      figures.push({ label: `${tag} received`, value: r.messagesPerS, unit: 'msg/s' });
      figures.push({ label: `${tag} progress deltas delivered`, value: r.progressDeliveredPercent, unit: '%' });
      figures.push({ label: `${tag} server CPU`, value: r.cpuPercent, unit: '% core', ...cpuGoal });
      figures.push({ label: `${tag} CPU per message`, value: r.cpuUsPerMessage, unit: 'us' });
      if (r.baseline && r.marginalCpuUsPerMessage !== undefined) {
        figures.push({ label: `${tag} CPU without progress (baseline)`, value: r.baseline.cpuPercent, unit: '% core' });
        figures.push({ label: `${tag} CPU per progress msg above baseline`, value: r.marginalCpuUsPerMessage, unit: 'us' });
      }
    }
    const channel = find('channel', count);
    const ws = find('ws', count);
    const uws = find('uws', count);
    if (channel && ws) {
      const ratio = round(ws.cpuUsPerMessage / channel.cpuUsPerMessage, 2);
      figures.push({ label: `channel vs ws, CPU per message ${count}x${opts.hz}Hz`, value: ratio, unit: 'x', goal: atLeast(ratio, 3, 'x') });
      if (channel.marginalCpuUsPerMessage && channel.marginalCpuUsPerMessage > 0) {
        const marginal = round(ws.cpuUsPerMessage / channel.marginalCpuUsPerMessage, 2);
        figures.push({ label: `channel above baseline vs ws ${count}x${opts.hz}Hz`, value: marginal, unit: 'x' });
      }
    }
    if (uws && ws) {
      figures.push({ label: `bare uWS vs ws, CPU per message ${count}x${opts.hz}Hz`, value: round(ws.cpuUsPerMessage / uws.cpuUsPerMessage, 2), unit: 'x' });
    }
  }
  return figures;
}

/** Runs against one already started server of each kind (started early, so they are warm). */
export async function fanoutBench(servers: Record<ServerKind, ServerProcess>, opts: FanoutOptions): Promise<BenchResult> {
  const runs: Run[] = [];
  for (const kind of SERVER_KINDS) runs.push(...(await runKind(kind, servers[kind], opts)));
  return {
    name: 'fanout',
    title: `Fan-out of ~300-byte progress deltas at ${opts.hz} Hz, median of ${opts.windows} windows of ${opts.windowSeconds} s`,
    figures: figuresFor(runs, opts),
    details: { options: opts, runs },
  };
}
