/**
 * HTTP API routes of the core: health, the current state, and (only with
 * debug.testHooks) a hook that blocks the event loop for watchdog tests.
 * Feature issues add their own route modules next to this one.
 */
import { z } from 'zod';
import type { ApiRouter } from './http.js';
import type { StateStore } from './state.js';
import type { LoopDelay } from './loop-monitor.js';
import type { UwsImplementation } from './uws.js';
import type { Logger } from './logger.js';
import type { ClockStatus } from './gps-clock.js';

export interface Health {
  status: 'ok';
  version: string;
  protocol: number;
  pid: number;
  uptimeS: number;
  simulate: boolean;
  websocket: UwsImplementation;
  clients: number;
  channel: { opened: number; closedHeartbeat: number; closedTooSlow: number; closedProtocol: number; coalesced: number };
  seq: number;
  loopDelay: LoopDelay;
  memory: { rssBytes: number; heapUsedBytes: number; externalBytes: number };
  systemd: { notify: boolean };
  /** System clock vs GPS time (docs/gps.md). */
  gpsClock: ClockStatus;
}

export interface CoreApiDeps {
  health: () => Health;
  store: StateStore;
  testHooks: boolean;
  log: Logger;
}

const blockBody = z.strictObject({ ms: z.number().int().min(1).max(120_000) });

export function registerCoreApi(router: ApiRouter, deps: CoreApiDeps): void {
  router.route('get', '/api/health', () => ({ body: deps.health() }));
  router.route('get', '/api/state', () => ({ body: deps.store.snapshot() }));
  if (deps.testHooks) {
    router.route(
      'post',
      '/api/debug/block',
      ({ body }) => {
        deps.log.warn({ ms: body.ms }, 'test hook: blocking the event loop');
        // Deliberately synchronous: this simulates a stalled main loop.
        const until = Date.now() + body.ms;
        while (Date.now() < until) {
          /* spin */
        }
        return { body: { blockedMs: body.ms } };
      },
      blockBody,
    );
  }
}
