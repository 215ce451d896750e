/**
 * Route uploads (GeoJSON, GPX, KML) turned into lines of [lon, lat] for a
 * corridor. GPX and KML are read with small tolerant scanners rather than a
 * full XML parser: only track/route points and LineString coordinates matter.
 * Every problem is thrown as a RouteError with a message fit for a 400 reply.
 */
import type { LonLat } from './area.js';

export class RouteError extends Error {
  override name = 'RouteError';
}

export type RouteFormat = 'geojson' | 'gpx' | 'kml';

/** Upper bound on points so an upload cannot exhaust memory. */
export const MAX_ROUTE_POINTS = 200_000;

export function parseRoute(format: RouteFormat, data: unknown): LonLat[][] {
  const lines = format === 'geojson' ? fromGeoJson(data) : fromXml(format, data);
  const kept = lines.filter((l) => l.length > 0);
  const points = kept.reduce((n, l) => n + l.length, 0);
  if (points === 0) throw new RouteError(`the ${format} route contains no line points`);
  if (points > MAX_ROUTE_POINTS) throw new RouteError(`the route has ${points} points; at most ${MAX_ROUTE_POINTS} are accepted`);
  return kept;
}

function checkPoint(lon: number, lat: number, where: string): LonLat {
  if (!Number.isFinite(lon) || !Number.isFinite(lat) || lon < -180 || lon > 180 || lat < -90 || lat > 90) {
    throw new RouteError(`${where}: invalid coordinate (${lon}, ${lat})`);
  }
  return [lon, lat];
}

function fromGeoJson(data: unknown): LonLat[][] {
  const value = typeof data === 'string' ? safeJson(data) : data;
  const out: LonLat[][] = [];
  const visit = (node: unknown, where: string): void => {
    if (typeof node !== 'object' || node === null) throw new RouteError(`${where}: not a GeoJSON object`);
    const g = node as { type?: unknown; coordinates?: unknown; geometry?: unknown; features?: unknown; geometries?: unknown };
    switch (g.type) {
      case 'FeatureCollection':
        if (!Array.isArray(g.features)) throw new RouteError(`${where}.features: must be an array`);
        g.features.forEach((f, i) => visit(f, `${where}.features.${i}`));
        return;
      case 'GeometryCollection':
        if (!Array.isArray(g.geometries)) throw new RouteError(`${where}.geometries: must be an array`);
        g.geometries.forEach((f, i) => visit(f, `${where}.geometries.${i}`));
        return;
      case 'Feature':
        if (g.geometry !== null) visit(g.geometry, `${where}.geometry`);
        return;
      case 'LineString':
        out.push(coords(g.coordinates, `${where}.coordinates`));
        return;
      case 'MultiLineString':
        if (!Array.isArray(g.coordinates)) throw new RouteError(`${where}.coordinates: must be an array`);
        g.coordinates.forEach((c, i) => out.push(coords(c, `${where}.coordinates.${i}`)));
        return;
      case 'Point':
      case 'MultiPoint':
      case 'Polygon':
      case 'MultiPolygon':
        return; // Not part of a route; waypoints and outlines are ignored.
      default:
        throw new RouteError(`${where}.type: expected a GeoJSON LineString, MultiLineString, Feature or FeatureCollection`);
    }
  };
  visit(value, 'route');
  return out;
}

function coords(raw: unknown, where: string): LonLat[] {
  if (!Array.isArray(raw)) throw new RouteError(`${where}: must be an array of [lon, lat]`);
  return raw.map((p, i) => {
    if (!Array.isArray(p) || p.length < 2) throw new RouteError(`${where}.${i}: must be [lon, lat]`);
    return checkPoint(Number(p[0]), Number(p[1]), `${where}.${i}`);
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new RouteError(`route: not valid JSON: ${(err as Error).message}`);
  }
}

function fromXml(format: 'gpx' | 'kml', data: unknown): LonLat[][] {
  if (typeof data !== 'string') throw new RouteError(`route: ${format} data must be a string`);
  return format === 'gpx' ? fromGpx(data) : fromKml(data);
}

function attr(tag: string, name: string): number {
  const m = new RegExp(`\\b${name}\\s*=\\s*["']([^"']*)["']`).exec(tag);
  return m ? Number(m[1]) : NaN;
}

/** Each <trkseg> and each <rte> becomes one line. */
function fromGpx(xml: string): LonLat[][] {
  if (!/<gpx[\s>]/.test(xml)) throw new RouteError('route: not a GPX document (no <gpx> element)');
  const out: LonLat[][] = [];
  const groups = [...xml.matchAll(/<(trkseg|rte)\b[^>]*>([\s\S]*?)<\/\1>/g)];
  for (const [, kind, body] of groups) {
    const pointTag = kind === 'trkseg' ? 'trkpt' : 'rtept';
    const pts = [...(body ?? '').matchAll(new RegExp(`<${pointTag}\\b[^>]*>`, 'g'))].map((m, i) =>
      checkPoint(attr(m[0], 'lon'), attr(m[0], 'lat'), `route.${pointTag}.${i}`),
    );
    out.push(pts);
  }
  return out;
}

/** Each <LineString><coordinates> (and gx:Track-free KML) becomes one line. */
function fromKml(xml: string): LonLat[][] {
  if (!/<kml[\s>]/.test(xml)) throw new RouteError('route: not a KML document (no <kml> element)');
  const out: LonLat[][] = [];
  for (const m of xml.matchAll(/<LineString\b[^>]*>[\s\S]*?<coordinates>([\s\S]*?)<\/coordinates>[\s\S]*?<\/LineString>/g)) {
    const tuples = (m[1] ?? '').trim().split(/\s+/).filter(Boolean);
    out.push(
      tuples.map((t, i) => {
        const [lon, lat] = t.split(',').map(Number);
        return checkPoint(lon ?? NaN, lat ?? NaN, `route.coordinates.${i}`);
      }),
    );
  }
  return out;
}
