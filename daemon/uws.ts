/**
 * The only module that loads uWebSockets.js.
 *
 * The package ships native binaries per platform, arch and Node ABI, and
 * silently falls back to a `ws`-based JS implementation when none matches. That
 * fallback has no idle timeout, no automatic pings, no backpressure (send always
 * "succeeds", drain never fires) and no user data, so dashcamd refuses to serve
 * on it instead of pretending: we load the binary for the running ABI ourselves
 * and report exactly which one runs.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readFileSync } from 'node:fs';
import type * as UWS from 'uWebSockets.js';

export type { HttpRequest, HttpResponse, TemplatedApp, WebSocket, WebSocketBehavior, us_listen_socket } from 'uWebSockets.js';
export type UwsModule = typeof UWS;

export interface UwsImplementation {
  kind: 'native' | 'fallback';
  /** npm package that provided it, and its version. */
  package: string;
  version: string;
  /** The native binary file, e.g. uws_linux_arm64_115.node. */
  binary: string | null;
  /** Why the native build is not active, when it is not. */
  reason: string | null;
}

export class UwsUnavailableError extends Error {
  constructor(readonly implementation: UwsImplementation) {
    super(
      `uWebSockets.js native build unavailable (${implementation.reason}); ` +
        `the JS fallback has no heartbeat or backpressure, so dashcamd will not serve on it. ` +
        `Use Node.js 20 (ABI 115) on linux x64/arm64/armv7.`,
    );
    this.name = 'UwsUnavailableError';
  }
}

const require = createRequire(import.meta.url);

function packageInfo(): { dir: string; name: string; version: string } {
  const pkgJson = require.resolve('uWebSockets.js/package.json');
  const pkg = JSON.parse(readFileSync(pkgJson, 'utf8')) as { name: string; version: string };
  return { dir: dirname(pkgJson), name: pkg.name, version: pkg.version };
}

let loaded: { uws: UwsModule; impl: UwsImplementation } | null = null;

/**
 * Loads uWS once. Throws UwsUnavailableError when only the fallback could run
 * (including when UWS_USE_FALLBACK forces it), after reporting what happened.
 */
export function loadUws(env: NodeJS.ProcessEnv = process.env): { uws: UwsModule; impl: UwsImplementation } {
  if (loaded) return loaded;
  const pkg = packageInfo();
  const binary = `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;
  const base = { package: pkg.name, version: pkg.version };
  if (/^(1|true)$/i.test(env.UWS_USE_FALLBACK ?? '')) {
    throw new UwsUnavailableError({ ...base, kind: 'fallback', binary: null, reason: 'UWS_USE_FALLBACK is set' });
  }
  let uws: UwsModule;
  try {
    uws = require(join(pkg.dir, 'binaries', binary)) as UwsModule;
  } catch (err) {
    const reason = `no loadable ${binary}: ${(err as Error).message.split('\n')[0]}`;
    throw new UwsUnavailableError({ ...base, kind: 'fallback', binary: null, reason });
  }
  // Only the native module exposes getParts and names its app class uWS.App.
  const native = typeof (uws as { getParts?: unknown }).getParts === 'function';
  if (!native) throw new UwsUnavailableError({ ...base, kind: 'fallback', binary, reason: 'binary is not the native build' });
  loaded = { uws, impl: { ...base, kind: 'native', binary, reason: null } };
  return loaded;
}
