/** Worker thread entry: counts a job's tiles off the main thread (long route corridors). */
import { parentPort, workerData } from 'node:worker_threads';
import { estimateJob } from './estimate.js';
import type { JobSpec } from './job-spec.js';

const { spec, opts } = workerData as { spec: JobSpec; opts: Parameters<typeof estimateJob>[1] };
parentPort?.postMessage(estimateJob(spec, opts));
