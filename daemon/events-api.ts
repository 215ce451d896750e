/**
 * HTTP routes for event marks: GET /api/events lists them newest first
 * (`?limit=1..1000`, default 100; `?before=<id>` pages back), POST /api/events
 * marks one from the phone like a short button press.
 */
import { z } from 'zod';
import type { ApiRouter } from './http.js';
import type { EventMarker } from './event-marker.js';
import { ApiError } from './errors.js';
import { formatIssues } from './config/load.js';

const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  before: z.coerce.number().int().min(1).optional(),
});

const markBody = z.strictObject({});

export function registerEventsApi(router: ApiRouter, marker: EventMarker): void {
  router.route('get', '/api/events', ({ query }) => {
    const parsed = listQuery.safeParse(Object.fromEntries(query));
    if (!parsed.success) throw new ApiError('VALIDATION', 'query is invalid', formatIssues(parsed.error));
    return { body: { events: marker.marks.list(parsed.data.limit, parsed.data.before) } };
  });
  router.route(
    'post',
    '/api/events',
    () => {
      const mark = marker.mark('api', Date.now());
      if (!mark) throw new ApiError('INTERNAL', 'event mark could not be stored');
      return { status: 201, body: { event: mark } };
    },
    markBody,
  );
}
