/** Polling and port helpers shared by every test that waits on a real process or socket. */
import { createServer, type AddressInfo } from 'node:net';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolves with check()'s first truthy value; fails naming `what` after timeoutMs. */
export async function waitFor<T>(what: string, check: () => T | null | undefined | false, timeoutMs = 15_000, stepMs = 20): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(stepMs);
  }
}

/**
 * A loopback port that was free a moment ago. Tests that restart a daemon on
 * the same port pick one first: a daemon bound to port 0 gets no SO_REUSEADDR
 * from uWS, so the TIME_WAIT sockets a SIGKILL leaves would block that port
 * for a minute, while a fixed port (as in production) restarts at once.
 */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', resolve);
  });
  const { port } = srv.address() as AddressInfo;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}
