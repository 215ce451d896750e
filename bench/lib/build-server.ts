/**
 * Bundles bench/server.ts to plain JavaScript (esbuild, npm packages left
 * external), so measured servers run on plain `node` like production does from
 * dist/: no tsx loader thread whose start-up and GC would be counted as server CPU.
 */
import { build } from 'esbuild';
import { join } from 'node:path';
import { BENCH_DIR, RESULTS_DIR } from './paths.js';

export const SERVER_BUNDLE = join(RESULTS_DIR, 'build', 'server.mjs');

let built: Promise<string> | null = null;

export function buildServer(): Promise<string> {
  built ??= build({
    entryPoints: [join(BENCH_DIR, 'server.ts')],
    outfile: SERVER_BUNDLE,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
  }).then(() => SERVER_BUNDLE);
  return built;
}
