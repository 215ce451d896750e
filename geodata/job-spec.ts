/**
 * The download job spec, validated at the boundary. A request (from the API or
 * the CLI) names a source inline or by its config name, and an area that may
 * still need resolving (a route upload, "around the GPS fix"); resolveJob()
 * turns it into a self-contained JobSpec that is stored and given to a worker.
 */
import { z } from 'zod';
import { MAX_LAT, MAX_ZOOM } from './tiles.js';
import { parseRoute, RouteError } from './route.js';
import type { AreaSpec, LonLat } from './area.js';

/** Hosts whose usage policy forbids bulk and offline downloading. */
const FORBIDDEN_HOSTS = [/(^|\.)tile\.openstreetmap\.org$/i, /(^|\.)tile\.osm\.org$/i];

function templateHost(url: string): string | null {
  try {
    return new URL(url.replace(/\{[a-z]+\}/g, 'a')).hostname;
  } catch {
    return null;
  }
}

export const sourceSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(80),
    /** Tile URL template with {z} {x} {y}, optionally {s} for a subdomain. */
    url: z
      .string()
      .regex(/^https?:\/\//i, 'must start with http:// or https://')
      .refine((u) => ['{z}', '{x}', '{y}'].every((p) => u.includes(p)), 'must contain {z}, {x} and {y}')
      .refine((u) => templateHost(u) !== null, 'is not a valid URL template')
      .refine((u) => !FORBIDDEN_HOSTS.some((re) => re.test(templateHost(u) ?? '')), {
        message: 'tile.openstreetmap.org forbids bulk and offline downloading (see its tile usage policy); use your own tile server or a provider whose terms allow offline use',
      }),
    subdomains: z.array(z.string().regex(/^[a-z0-9-]+$/i, 'must be a plain host label')).max(16).default([]),
    /** Extra request headers, e.g. an API key. */
    headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, 'invalid header name'), z.string().max(2048)).default({}),
    format: z.enum(['png', 'jpg', 'webp']).default('png'),
    attribution: z.string().max(500).default(''),
    maxConnections: z.number().int().min(1).max(16).default(2),
    maxRequestsPerSecond: z.number().min(0.1).max(1000).default(2),
  })
  .refine((s) => !s.url.includes('{s}') || s.subdomains.length > 0, { message: 'the url uses {s}, so subdomains must not be empty', path: ['subdomains'] });

export type SourceSpec = z.output<typeof sourceSchema>;
export type SourceInput = z.input<typeof sourceSchema>;

const lon = z.number().min(-180).max(180);
const lat = z.number().min(-90).max(90);
const lonLat = z.tuple([lon, lat]);

const bboxArea = z
  .strictObject({ type: z.literal('bbox'), bbox: z.tuple([lon, lat, lon, lat]) })
  .refine((a) => a.bbox[0] < a.bbox[2], { message: 'west must be less than east (areas across the antimeridian are not supported)', path: ['bbox'] })
  .refine((a) => a.bbox[1] < a.bbox[3], { message: 'south must be less than north', path: ['bbox'] })
  .refine((a) => a.bbox[1] < MAX_LAT && a.bbox[3] > -MAX_LAT, { message: `must overlap the Web Mercator latitude range ±${MAX_LAT.toFixed(4)}`, path: ['bbox'] });

const radiusArea = z.strictObject({
  type: z.literal('radius'),
  /** [lon, lat], or "gps" for the current GPS fix. */
  center: z.union([lonLat, z.literal('gps')]),
  radiusKm: z.number().gt(0).max(500),
});

const corridorArea = z
  .strictObject({
    type: z.literal('corridor'),
    widthKm: z.number().gt(0).max(100),
    /** Either an inline line of [lon, lat] or an uploaded route file. */
    line: z.array(lonLat).min(1).max(200_000).optional(),
    route: z.strictObject({ format: z.enum(['geojson', 'gpx', 'kml']), data: z.unknown() }).optional(),
  })
  .refine((a) => (a.line === undefined) !== (a.route === undefined), { message: 'give exactly one of line or route', path: ['line'] });

export const areaRequestSchema = z.discriminatedUnion('type', [bboxArea, radiusArea, corridorArea]);
export type AreaRequest = z.output<typeof areaRequestSchema>;

const zoom = z.number().int().min(0).max(MAX_ZOOM);

export const jobRequestSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(120).optional(),
    /** A configured source by name, or a source given inline. */
    source: z.union([z.string().min(1), sourceSchema]),
    area: areaRequestSchema,
    minZoom: zoom,
    maxZoom: zoom,
    /** Needed when the job exceeds the configured tile cap. */
    confirm: z.boolean().default(false),
  })
  .refine((j) => j.minZoom <= j.maxZoom, { message: 'minZoom must not be greater than maxZoom', path: ['minZoom'] });

export type JobRequest = z.output<typeof jobRequestSchema>;

/** The resolved, self-contained job. */
export interface JobSpec {
  name: string;
  source: SourceSpec;
  area: AreaSpec;
  minZoom: number;
  maxZoom: number;
}

export class JobSpecError extends Error {
  override name = 'JobSpecError';
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
  }
}

export interface ResolveContext {
  sources: readonly SourceSpec[];
  /** The current GPS position, if any, for "radius around the fix". */
  gpsFix: () => { lon: number; lat: number } | null;
}

export function resolveJob(req: JobRequest, ctx: ResolveContext): JobSpec {
  let source: SourceSpec;
  if (typeof req.source === 'string') {
    const found = ctx.sources.find((s) => s.name === req.source);
    if (!found) throw new JobSpecError([`source: no configured source named ${JSON.stringify(req.source)} (known: ${ctx.sources.map((s) => s.name).join(', ') || 'none'})`]);
    source = found;
  } else {
    source = req.source;
  }
  const area = resolveArea(req.area, ctx);
  return { name: req.name ?? `${source.name} z${req.minZoom}-${req.maxZoom}`, source, area, minZoom: req.minZoom, maxZoom: req.maxZoom };
}

function resolveArea(a: AreaRequest, ctx: ResolveContext): AreaSpec {
  switch (a.type) {
    case 'bbox':
      return { type: 'bbox', bbox: a.bbox };
    case 'radius': {
      if (a.center !== 'gps') return { type: 'radius', center: a.center, radiusKm: a.radiusKm };
      const fix = ctx.gpsFix();
      if (!fix) throw new JobSpecError(['area.center: there is no GPS fix to center on']);
      return { type: 'radius', center: [fix.lon, fix.lat], radiusKm: a.radiusKm };
    }
    case 'corridor': {
      let lines: LonLat[][];
      if (a.line) lines = [a.line];
      else {
        try {
          lines = parseRoute(a.route!.format, a.route!.data);
        } catch (err) {
          if (err instanceof RouteError) throw new JobSpecError([`area.route: ${err.message}`]);
          throw err;
        }
      }
      return { type: 'corridor', lines, widthKm: a.widthKm };
    }
  }
}

/** Expands a URL template for one tile; subdomains rotate deterministically by tile. */
export function tileUrl(source: Pick<SourceSpec, 'url' | 'subdomains'>, z: number, x: number, y: number): string {
  const sub = source.subdomains.length ? (source.subdomains[(x + y) % source.subdomains.length] as string) : '';
  return source.url.replace('{z}', String(z)).replace('{x}', String(x)).replace('{y}', String(y)).replace('{s}', sub);
}
