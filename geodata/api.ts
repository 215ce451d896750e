/**
 * HTTP routes for map downloads: estimate, create, control, delete, list.
 * Bodies are validated by the job spec schema; resolution problems (unknown
 * source, no GPS fix, bad route file) become VALIDATION errors with paths.
 */
import { z } from 'zod';
import type { ApiRouter } from '../daemon/http.js';
import { ApiError } from '../daemon/errors.js';
import { jobRequestSchema, resolveJob, JobSpecError, type JobRequest, type JobSpec, type ResolveContext, type SourceSpec } from './job-spec.js';
import type { Estimate } from './estimate.js';
import { estimateJobAsync } from './estimate-async.js';
import type { DownloadManager } from './manager.js';

export interface DownloadsApiDeps {
  manager: DownloadManager;
  /** Configured sources (plus the synthetic one in simulation mode), read per request. */
  sources: () => readonly SourceSpec[];
  tileCap: number;
  avgTileBytes: number;
  gpsFix: ResolveContext['gpsFix'];
}

/** Without zod refinements on the route, `confirm` is checked after estimating. */
const estimateBody = jobRequestSchema;

export function registerDownloadsApi(router: ApiRouter, deps: DownloadsApiDeps): void {
  const prepare = async (body: JobRequest): Promise<{ spec: JobSpec; estimate: Estimate }> => {
    let spec: JobSpec;
    try {
      spec = resolveJob(body, { sources: deps.sources(), gpsFix: deps.gpsFix });
    } catch (err) {
      if (err instanceof JobSpecError) throw new ApiError('VALIDATION', 'request body is invalid', err.problems);
      throw err;
    }
    return { spec, estimate: await estimateJobAsync(spec, { avgTileBytes: deps.avgTileBytes, tileCap: deps.tileCap }) };
  };

  router.route('get', '/api/downloads', () => ({ body: { jobs: deps.manager.list() } }));
  // Map layers for the phone: every job file with tiles, finished or in progress.
  router.route('get', '/api/tilesets', () => ({ body: { tilesets: deps.manager.tilesets().map(({ file: _f, ...t }) => t) } }));
  router.route('get', '/api/downloads/sources', () => ({
    // Headers may hold API keys: never sent back.
    body: { sources: deps.sources().map(({ headers: _h, ...s }) => s) },
  }));
  router.route('post', '/api/downloads/estimate', async ({ body }) => ({ body: (await prepare(body)).estimate }), estimateBody);
  router.route(
    'post',
    '/api/downloads',
    async ({ body }) => {
      const { spec, estimate } = await prepare(body);
      if (estimate.needsConfirm && !body.confirm) {
        throw new ApiError('CONFIRMATION_REQUIRED', `the job has ${estimate.tiles} tiles, above the cap of ${deps.tileCap}; repeat with confirm: true`);
      }
      return { status: 201, body: { job: deps.manager.create(spec, estimate), estimate } };
    },
    jobRequestSchema,
  );
  const empty = z.strictObject({});
  router.route('post', '/api/downloads/:id/pause', ({ params }) => ({ body: { job: deps.manager.pause(params.id ?? '') } }), empty);
  router.route('post', '/api/downloads/:id/resume', ({ params }) => ({ body: { job: deps.manager.resume(params.id ?? '') } }), empty);
  const refreshBody = z.strictObject({ maxAgeDays: z.number().min(0).max(3650).default(7) });
  router.route('post', '/api/downloads/:id/refresh', ({ params, body }) => ({ body: { job: deps.manager.refresh(params.id ?? '', body.maxAgeDays * 86_400_000) } }), refreshBody);
  router.route('post', '/api/downloads/:id/cancel', ({ params }) => ({ body: { job: deps.manager.cancel(params.id ?? '') } }), empty);
  router.route('del', '/api/downloads/:id', async ({ params }) => {
    await deps.manager.delete(params.id ?? '');
    return { body: { deleted: params.id } };
  });
  router.route('get', '/api/downloads/:id', ({ params }) => ({ body: { job: deps.manager.get(params.id ?? '') } }));
}
