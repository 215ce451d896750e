/**
 * The phone's HTTP client for /api. Every response is checked against the
 * shape the screen needs before it is used; every failure becomes a value
 * (never a throw) that says what went wrong in words a screen can show.
 * A route the daemon does not have (a feature not built into it) is reported
 * as `missing`, so a screen can say so instead of showing an error.
 *
 * The contracts below for trips, tilesets and downloads are what this UI
 * expects from those features; keep them in step with the daemon's routes.
 */
import type { EventMark, FixMode } from '../../daemon/protocol.js';
import { ResponseError, arr, bool, nullable, num, obj, oneOf, optional, str, type Check } from './validate.js';

export type { EventMark };

export type ApiResult<T> =
  | { ok: true; value: T }
  | { ok: false; kind: 'missing' | 'http' | 'network' | 'invalid'; status: number; message: string; details: string[] };

export const token = (): string => localStorage.getItem('dashcamd.token') ?? '';

const TIMEOUT_MS = 15_000;

async function request<T>(method: string, path: string, check: Check<T>, body?: unknown): Promise<ApiResult<T>> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (token()) headers.Authorization = `Bearer ${token()}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const ctl = new AbortController();
  const timer = window.setTimeout(() => ctl.abort(), TIMEOUT_MS);
  let res: Response;
  let json: unknown;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: ctl.signal });
    json = res.status === 204 ? {} : await res.json().catch(() => undefined);
  } catch (err) {
    const message = ctl.signal.aborted ? `no answer within ${TIMEOUT_MS / 1000} s` : `daemon not reachable (${(err as Error).message})`;
    return { ok: false, kind: 'network', status: 0, message, details: [] };
  } finally {
    window.clearTimeout(timer);
  }
  if (!res.ok) {
    const e = errorBody(json);
    const missing = res.status === 404 && (e?.message ?? '').startsWith('no route');
    return { ok: false, kind: missing ? 'missing' : 'http', status: res.status, message: e?.message ?? `HTTP ${res.status}`, details: e?.details ?? [] };
  }
  try {
    return { ok: true, value: check(json, '') };
  } catch (err) {
    if (!(err instanceof ResponseError)) throw err;
    return { ok: false, kind: 'invalid', status: res.status, message: `unexpected answer from ${path}: ${err.message}`, details: [] };
  }
}

function errorBody(json: unknown): { message: string; details: string[] } | null {
  try {
    const e = obj({ error: obj({ code: str, message: str, details: optional(arr(str)) }) })(json, '').error;
    return { message: e.message, details: e.details ?? [] };
  } catch {
    return null;
  }
}

const anyBody: Check<unknown> = (v) => v;

/** Whether this page may use the daemon: a 401 means a token is configured and ours is missing or wrong. */
export const checkAccess = (): Promise<ApiResult<unknown>> => request('GET', '/api/health', anyBody);

/** One line for a failed result, with the validation details the daemon gave. */
export function describe(r: Extract<ApiResult<unknown>, { ok: false }>): string {
  return [r.message, ...r.details].join('\n');
}

// ------------------------------------------------------------- events ----

const fixMode = oneOf(['none', '2d', '3d'] as const) as Check<FixMode>;
const eventMark: Check<EventMark> = obj({
  id: num,
  time: str,
  source: oneOf(['button', 'api'] as const),
  position: nullable(
    obj({ lat: num, lon: num, altitude: nullable(num), speed: nullable(num), track: nullable(num), mode: fixMode, fixTime: str, stale: bool }),
  ),
});
export const checkEventMark = eventMark;

export const listEvents = (limit = 100): Promise<ApiResult<{ events: EventMark[] }>> =>
  request('GET', `/api/events?limit=${limit}`, obj({ events: arr(eventMark) }));
export const markEvent = (): Promise<ApiResult<{ event: EventMark }>> => request('POST', '/api/events', obj({ event: eventMark }), {});

// -------------------------------------------------------------- trips ----

/** As daemon/trips/api.ts lists them. */
export interface Trip {
  id: number;
  startedAt: string;
  endedAt: string | null;
  open: boolean;
  points: number;
  distanceM: number | null;
  durationS: number | null;
}
const trip: Check<Trip> = (v, p) => {
  const t = obj({ id: num, startedAt: str, endedAt: nullable(str), open: optional(bool), points: num, distanceM: nullable(num), durationS: optional(num) })(v, p);
  return { ...t, open: t.open ?? t.endedAt === null, durationS: t.durationS ?? null };
};

export const listTrips = (): Promise<ApiResult<{ trips: Trip[] }>> => request('GET', '/api/trips', obj({ trips: arr(trip) }));
/** The points of a trip, read from its GPX with the browser's XML parser; null when unavailable. */
export async function tripPoints(id: number): Promise<Array<[number, number]> | null> {
  try {
    const res = await fetch(tripGpxUrl(id));
    if (!res.ok) return null;
    const doc = new DOMParser().parseFromString(await res.text(), 'application/xml');
    const pts: Array<[number, number]> = [];
    for (const p of doc.getElementsByTagName('trkpt')) {
      const lat = Number(p.getAttribute('lat'));
      const lon = Number(p.getAttribute('lon'));
      if (Number.isFinite(lat) && Number.isFinite(lon)) pts.push([lat, lon]);
    }
    return pts;
  } catch {
    return null;
  }
}

export const tripGpxUrl = (id: number): string => `/api/trips/${id}/gpx${token() ? `?token=${encodeURIComponent(token())}` : ''}`;

// ----------------------------------------------------------- tilesets ----

/** A map layer as geodata/job-view.ts lists it: one per job file with tiles. */
export interface Tileset {
  id: string;
  name: string;
  format: 'png' | 'jpg' | 'webp';
  bounds: [number, number, number, number] | null;
  minZoom: number;
  maxZoom: number;
  attribution: string;
  /** Tile URL template relative to the daemon, e.g. /tiles/{id}/{z}/{x}/{y}.png. */
  url: string;
}
const bounds: Check<[number, number, number, number]> = (v, p) => {
  const a = arr(num)(v, p);
  if (a.length !== 4) throw new ResponseError(`${p}: expected [west, south, east, north]`);
  return a as [number, number, number, number];
};
const tileset: Check<Tileset> = (v, p) => {
  const t = obj({
    id: str, name: str, format: oneOf(['png', 'jpg', 'webp'] as const), bounds: nullable(bounds),
    minZoom: num, maxZoom: num, attribution: optional(str), url: optional(str),
  })(v, p);
  return { ...t, attribution: t.attribution ?? '', url: t.url ?? `/tiles/${encodeURIComponent(t.id)}/{z}/{x}/{y}.${t.format}` };
};
export const listTilesets = (): Promise<ApiResult<{ tilesets: Tileset[] }>> => request('GET', '/api/tilesets', obj({ tilesets: arr(tileset) }));
/** The template with the token appended when one is in use (tile requests are plain <img> loads). */
export const tileUrlTemplate = (t: Tileset): string => `${t.url}${token() ? `${t.url.includes('?') ? '&' : '?'}token=${encodeURIComponent(token())}` : ''}`;

// ---------------------------------------------------------- downloads ----

/** The job request, as geodata/job-spec.ts validates it. */
export interface JobRequest {
  name?: string;
  source: string;
  area:
    | { type: 'bbox'; bbox: [number, number, number, number] }
    | { type: 'radius'; center: [number, number] | 'gps'; radiusKm: number }
    | { type: 'corridor'; widthKm: number; route: { format: 'geojson' | 'gpx' | 'kml'; data: unknown } };
  minZoom: number;
  maxZoom: number;
  confirm?: boolean;
}

/** As geodata/estimate.ts computes it. */
export interface Estimate {
  tiles: number;
  perZoom: Array<{ zoom: number; tiles: number }>;
  bytes: number;
  seconds: number;
  /** True when the job is above the configured cap and needs `confirm: true`. */
  needsConfirm: boolean;
  tileCap: number | null;
}
const estimateShape: Check<Estimate> = obj({
  tiles: num,
  perZoom: arr(obj({ zoom: num, tiles: num })),
  bytes: num,
  seconds: num,
  needsConfirm: bool,
  tileCap: nullable(num),
});
/** The estimate itself, or wrapped as `{ estimate }`. */
const estimate: Check<Estimate> = (v, p) =>
  typeof v === 'object' && v !== null && 'estimate' in v ? estimateShape((v as { estimate: unknown }).estimate, 'estimate') : estimateShape(v, p);

export interface SourceInfo {
  name: string;
  format: string;
  maxRequestsPerSecond: number | null;
}
const sourceInfo: Check<SourceInfo> = obj({ name: str, format: str, maxRequestsPerSecond: nullable(num) });

export const listSources = (): Promise<ApiResult<{ sources: SourceInfo[] }>> =>
  request('GET', '/api/downloads/sources', obj({ sources: arr(sourceInfo) }));
export const estimateDownload = (job: JobRequest): Promise<ApiResult<Estimate>> => request('POST', '/api/downloads/estimate', estimate, job);
/** The created job, answered as `{ job }` or as the job itself. */
const createdJob: Check<{ id: string }> = (v, p) =>
  typeof v === 'object' && v !== null && 'job' in v ? obj({ id: str })((v as { job: unknown }).job, 'job') : obj({ id: str })(v, p);
export const startDownload = (job: JobRequest): Promise<ApiResult<{ id: string }>> => request('POST', '/api/downloads', createdJob, job);

export type JobAction = 'pause' | 'resume' | 'cancel' | 'delete';
export const jobAction = (id: string, action: JobAction): Promise<ApiResult<unknown>> =>
  action === 'delete'
    ? request('DELETE', `/api/downloads/${encodeURIComponent(id)}`, anyBody)
    : request('POST', `/api/downloads/${encodeURIComponent(id)}/${action}`, anyBody, {});
/**
 * Re-runs a done job as a refresh pass (geodata/manager.ts refresh()): tiles
 * fetched more than maxAgeDays ago are revalidated, a 304 keeps the stored one.
 */
export const refreshJob = (id: string, maxAgeDays: number): Promise<ApiResult<unknown>> =>
  request('POST', `/api/downloads/${encodeURIComponent(id)}/refresh`, anyBody, { maxAgeDays });
