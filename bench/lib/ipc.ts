/**
 * Messages between bench/run.ts and a bench server child (bench/server.ts).
 * The server runs in its own process so the clients' CPU is never counted;
 * it measures its own CPU with process.cpuUsage(), which covers every thread
 * of the process (main loop, libuv pool, GC), in microseconds.
 */

export type ServerKind = 'channel' | 'ws' | 'uws';
export const SERVER_KINDS: readonly ServerKind[] = ['channel', 'ws', 'uws'];

export type ToServer =
  /** Opens a measurement window; publishes the progress delta at `hz` (0 = idle). */
  | { type: 'start'; hz: number }
  /** Closes the window and answers with `window`. */
  | { type: 'stop' }
  /** Stops the server and exits. */
  | { type: 'exit' };

export type FromServer =
  | { type: 'ready'; kind: ServerKind; port: number; path: string; implementation: string }
  | { type: 'started' }
  | { type: 'window'; window: ServerWindow };

export interface ServerWindow {
  /** CPU time of the whole server process during the window. */
  cpuUserUs: number;
  cpuSystemUs: number;
  wallUs: number;
  /** Publish ticks during the window (one progress delta each, fanned out to every client). */
  ticks: number;
  clients: number;
  rssBytes: number;
}

export function isToServer(m: unknown): m is ToServer {
  return typeof m === 'object' && m !== null && ['start', 'stop', 'exit'].includes((m as { type?: unknown }).type as string);
}
