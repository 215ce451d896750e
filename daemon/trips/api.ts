/**
 * Trip routes: list trips, one trip, a trip as GPX, and any time range of the
 * stored track as GPX. GPX comes from committed points, so pending points are
 * flushed first (the open trip is then current to the last fix).
 */
import { z } from 'zod';
import type { ApiRouter, Reply } from '../http.js';
import { ApiError } from '../errors.js';
import { formatIssues } from '../config/load.js';
import type { TripRecorder } from './trip-recorder.js';
import type { TripSummary } from './trip-db.js';
import { toGpx } from './gpx.js';

/** A larger export is refused rather than built in memory (about 8 days at 1 point/s). */
export const MAX_GPX_POINTS = 750_000;

const GPX_TYPE = 'application/gpx+xml; charset=utf-8';

const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  before: z.coerce.number().int().min(1).optional(),
});
const rangeQuery = z
  .strictObject({ from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }) })
  .refine((q) => Date.parse(q.from) <= Date.parse(q.to), { message: 'from must not be after to', path: ['from'] });
const idParam = z.coerce.number().int().min(1);

/** Query parameters without the auth token (Security accepts ?token=). */
const queryObject = (q: URLSearchParams): Record<string, string> => Object.fromEntries([...q].filter(([k]) => k !== 'token'));

function parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new ApiError('VALIDATION', `${what} is invalid`, formatIssues(r.error));
  return r.data;
}

const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());

export function tripJson(t: TripSummary, currentId: number | null) {
  return {
    id: t.id,
    startedAt: iso(t.startedAt)!,
    endedAt: iso(t.endedAt),
    lastAt: iso(t.lastAt)!,
    endReason: t.endReason,
    open: t.id === currentId,
    points: t.points,
    distanceM: Math.round(t.distanceM * 10) / 10,
    durationS: Math.round(((t.endedAt ?? t.lastAt) - t.startedAt) / 1000),
  };
}

function gpxReply(text: string, filename: string): Reply {
  return { body: text, contentType: GPX_TYPE, headers: { 'Content-Disposition': `attachment; filename="${filename}"` } };
}

export function registerTripsApi(router: ApiRouter, recorder: TripRecorder): void {
  const db = recorder.db;
  const getTrip = (raw: string | undefined): TripSummary => {
    const id = parse(idParam, raw, 'trip id');
    const trip = db.trip(id);
    if (!trip) throw new ApiError('NOT_FOUND', `no trip ${id}`);
    return trip;
  };

  router.route('get', '/api/trips', ({ query }) => {
    recorder.flush();
    const q = parse(listQuery, queryObject(query), 'query');
    return { body: { trips: db.listTrips(q.limit, q.before).map((t) => tripJson(t, recorder.currentTripId)), current: recorder.currentTripId } };
  });

  router.route('get', '/api/trips/:id', ({ params }) => {
    recorder.flush();
    return { body: tripJson(getTrip(params.id), recorder.currentTripId) };
  });

  router.route('get', '/api/trips/:id/gpx', ({ params }) => {
    recorder.flush();
    const trip = getTrip(params.id);
    if (trip.points > MAX_GPX_POINTS) throw new ApiError('VALIDATION', `trip has ${trip.points} points; export it by time range`);
    const name = `dashcamd trip ${trip.id} (${iso(trip.startedAt)})`;
    return gpxReply(toGpx(name, [{ name, points: db.tripPoints(trip.id) }]), `trip-${trip.id}.gpx`);
  });

  router.route('get', '/api/track/gpx', ({ query }) => {
    recorder.flush();
    const q = parse(rangeQuery, queryObject(query), 'query');
    const groups = db.pointsBetween(Date.parse(q.from), Date.parse(q.to), MAX_GPX_POINTS + 1);
    if (groups.reduce((n, g) => n + g.points.length, 0) > MAX_GPX_POINTS) {
      throw new ApiError('VALIDATION', `more than ${MAX_GPX_POINTS} points in this range; choose a shorter one`);
    }
    const name = `dashcamd track ${q.from} to ${q.to}`;
    const tracks = groups.map((g) => ({ name: `trip ${g.tripId}`, points: g.points }));
    return gpxReply(toGpx(name, tracks), `track-${q.from.slice(0, 10)}.gpx`);
  });
}
