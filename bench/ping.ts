/**
 * Text-ping round trip: one client sends "ping" and waits for "pong", one
 * sample at a time, against the daemon's channel (which keeps streaming its
 * simulated GPS meanwhile). Times are taken in the client with performance.now().
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { PING, PONG } from '../daemon/protocol.js';
import { atMost, round, type BenchResult } from './lib/report.js';
import type { ServerProcess } from './lib/server-process.js';
import { percentile } from './lib/stats.js';

const WARM_UP = 50;

export async function pingBench(server: ServerProcess, opts: { samples: number }): Promise<BenchResult> {
  const ws = new WebSocket(server.wsUrl, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let onPong: (() => void) | null = null;
  ws.on('message', (data, isBinary) => {
    if (!isBinary && onPong && data.toString() === PONG) onPong();
  });
  const once = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no pong within 5 s')), 5000);
      const sent = performance.now();
      onPong = () => {
        onPong = null;
        clearTimeout(t);
        resolve(performance.now() - sent);
      };
      ws.send(PING);
    });
  const samples: number[] = [];
  try {
    for (let i = 0; i < WARM_UP; i++) await once();
    for (let i = 0; i < opts.samples; i++) samples.push(await once());
  } finally {
    ws.terminate();
  }
  const p50 = round(percentile(samples, 50), 3);
  const p99 = round(percentile(samples, 99), 3);
  return {
    name: 'ping',
    title: `Text "ping" -> "pong" round trip over the channel, ${opts.samples} samples`,
    figures: [
      { label: 'round trip p50', value: p50, unit: 'ms' },
      { label: 'round trip p99', value: p99, unit: 'ms', goal: atMost(p99, 20, 'ms') },
      { label: 'round trip max', value: round(Math.max(...samples), 3), unit: 'ms' },
    ],
    details: { options: opts, implementation: server.ready.implementation, warmUp: WARM_UP, p50, p99, samplesMs: samples.map((s) => round(s, 3)) },
  };
}
