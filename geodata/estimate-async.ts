/**
 * Estimates without blocking the daemon: a bbox or radius is counted in
 * microseconds, but a long corridor at high zoom takes long enough to stall
 * the event loop, so corridors are counted in a short-lived worker thread.
 */
import { estimateJob, type Estimate } from './estimate.js';
import type { JobSpec } from './job-spec.js';
import { createModuleWorker } from './worker-host.js';

export function estimateJobAsync(spec: JobSpec, opts: { avgTileBytes: number; tileCap: number }): Promise<Estimate> {
  if (spec.area.type !== 'corridor') return Promise.resolve(estimateJob(spec, opts));
  return new Promise((resolve, reject) => {
    const worker = createModuleWorker('estimate-worker', { spec, opts });
    let result: Estimate | null = null;
    worker.once('message', (m: Estimate) => (result = m));
    worker.once('error', reject);
    worker.once('exit', (code) => (result ? resolve(result) : reject(new Error(`estimate worker exited with ${code}`))));
  });
}
