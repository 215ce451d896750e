/**
 * Starts a job's worker thread and turns its messages into callbacks. The
 * worker file is found beside this module with the same extension, so the
 * same code runs from sources (tsx, .ts) and from dist/ (.js).
 */
import { Worker } from 'node:worker_threads';
import type { WorkerInput, WorkerMessage } from './worker-protocol.js';

const FROM_SOURCE = import.meta.url.endsWith('.ts');

/**
 * A worker running the module `name` beside this one (worker.ts / worker.js).
 * Node 20 does not apply `--import tsx` to worker entry modules, so when
 * running from sources the worker registers tsx itself before importing.
 */
export function createModuleWorker(name: string, workerData: unknown): Worker {
  const url = new URL(`./${name}${FROM_SOURCE ? '.ts' : '.js'}`, import.meta.url);
  if (!FROM_SOURCE) return new Worker(url, { workerData });
  const tsx = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(code, { eval: true, workerData });
}

export type TerminalMessage = Extract<WorkerMessage, { type: 'finished' | 'stopped' | 'failed' }>;

export interface RunningWorker {
  readonly threadId: number;
  /** Graceful stop; falls back to terminating the thread after graceMs. */
  stop(graceMs?: number): Promise<TerminalMessage>;
  /** Resolves with the last message once the thread has exited. */
  readonly done: Promise<TerminalMessage>;
}

export function startWorker(input: WorkerInput, onProgress: (m: Extract<WorkerMessage, { type: 'progress' }>) => void): RunningWorker {
  const worker = createModuleWorker('worker', input);
  let terminal: TerminalMessage | null = null;
  worker.on('message', (m: WorkerMessage) => {
    if (m.type === 'progress') onProgress(m);
    else terminal = m;
  });
  let crash: Error | null = null;
  worker.on('error', (err) => {
    crash = err;
  });
  const done = new Promise<TerminalMessage>((resolve) => {
    worker.on('exit', (code) => {
      resolve(terminal ?? { type: 'failed', reason: `worker exited (code ${code}${crash ? `: ${crash.message}` : ''})`, progress: null });
    });
  });
  return {
    threadId: worker.threadId,
    done,
    async stop(graceMs = 800) {
      worker.postMessage({ type: 'stop' });
      const timer = setTimeout(() => void worker.terminate(), graceMs);
      const r = await done;
      clearTimeout(timer);
      return r;
    },
  };
}
