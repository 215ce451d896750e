/**
 * Worker thread entry: runs one job and reports to the main thread. The main
 * thread sends { type: 'stop' } to pause or cancel; the worker then commits
 * what it finished, reports 'stopped' and exits.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Downloader } from './downloader.js';
import type { ControlMessage, WorkerInput, WorkerMessage } from './worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('geodata/worker must run in a worker thread');

const downloader = new Downloader(workerData as WorkerInput, (m: WorkerMessage) => port.postMessage(m));
const onMessage = (m: ControlMessage): void => {
  if (m.type === 'stop') downloader.stop();
};
port.on('message', onMessage);
await downloader.run();
port.off('message', onMessage);
