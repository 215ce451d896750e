/**
 * A minimal process around a DownloadManager, for crash tests: the test
 * SIGKILLs it at random moments and starts it again. Usage:
 *   node --import tsx test/helpers/download-runner.ts DATA_DIR URL_TEMPLATE '{"area":...,"minZoom":8,"maxZoom":13}'
 * Creates the job on the first run (none in the queue yet); later runs only
 * start the manager, which resumes the interrupted job by itself.
 * Prints one JSON line per event: created, progress, done, failed.
 */
import { StateStore } from '../../daemon/state.js';
import { DownloadManager } from '../../geodata/manager.js';
import { sourceSchema, type JobSpec } from '../../geodata/job-spec.js';
import { estimateJob } from '../../geodata/estimate.js';
import { DEFAULT_TUNING } from '../../geodata/worker-protocol.js';
import { recordingLogger } from './daemon.js';

const [dataDir, template, job] = process.argv.slice(2);
if (!dataDir || !template || !job) throw new Error('usage: download-runner.ts DATA_DIR URL_TEMPLATE JOB_JSON');
const { area, minZoom, maxZoom } = JSON.parse(job) as Pick<JobSpec, 'area' | 'minZoom' | 'maxZoom'>;

const out = (o: Record<string, unknown>): void => void process.stdout.write(JSON.stringify(o) + '\n');
const store = new StateStore();
store.onMessage((m) => {
  if (m.type === 'delta' && m.topic === 'downloads' && m.value) out({ event: 'progress', state: m.value.state, done: m.value.tilesDone });
  if (m.type === 'event') out({ event: m.name, data: m.data });
});
const manager = new DownloadManager(
  { dataDir, parallelJobs: 1, diskFloorBytes: 0, diskCheckMs: 1000, userAgent: 'dashcamd/crash-test', tuning: { ...DEFAULT_TUNING, batchSize: 32, commitIntervalMs: 200 } },
  store,
  recordingLogger('warn').log,
);
await manager.start();
if (manager.list().length === 0) {
  const spec: JobSpec = { name: 'crash', source: sourceSchema.parse({ name: 'local', url: template, maxConnections: 4, maxRequestsPerSecond: 600 }), area, minZoom, maxZoom };
  const job = manager.create(spec, estimateJob(spec, { avgTileBytes: 1000, tileCap: 1e9 }));
  out({ event: 'created', id: job.id, total: job.tilesTotal });
}
