/**
 * Web Mercator tile math (XYZ "slippy map" scheme, as used by tile URLs) and
 * the TMS row flip used inside MBTiles. Pure functions, no I/O.
 *
 * Conventions: longitude/latitude in degrees; bbox = [west, south, east, north];
 * tile x grows eastwards, y grows southwards (XYZ); MBTiles rows grow northwards (TMS).
 */

/** Latitude limit of Web Mercator: the square world map ends here. */
export const MAX_LAT = 85.0511287798066;
export const MAX_ZOOM = 20;

export type BBox = readonly [west: number, south: number, east: number, north: number];

export interface Tile {
  z: number;
  x: number;
  y: number;
}

/** Inclusive tile index ranges covering an area at one zoom. */
export interface TileRange {
  z: number;
  minX: number;
  maxX: number;
  minY: number;
  maxY: number;
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/** Fractional world position at zoom z: x in [0, 2^z], y in [0, 2^z]. */
export function lonLatToWorld(lon: number, lat: number, z: number): { x: number; y: number } {
  const n = 2 ** z;
  const phi = (clamp(lat, -MAX_LAT, MAX_LAT) * Math.PI) / 180;
  const x = ((clamp(lon, -180, 180) + 180) / 360) * n;
  const y = ((1 - Math.log(Math.tan(Math.PI / 4 + phi / 2)) / Math.PI) / 2) * n;
  return { x, y: clamp(y, 0, n) };
}

/** The tile containing a point. Points on the east/south world edge belong to the last tile. */
export function lonLatToTile(lon: number, lat: number, z: number): Tile {
  const n = 2 ** z;
  const w = lonLatToWorld(lon, lat, z);
  return { z, x: clamp(Math.floor(w.x), 0, n - 1), y: clamp(Math.floor(w.y), 0, n - 1) };
}

/** Longitude of the west edge of tile column x at zoom z. */
export function tileXToLon(x: number, z: number): number {
  return (x / 2 ** z) * 360 - 180;
}

/** Latitude of the north edge of tile row y (XYZ) at zoom z. */
export function tileYToLat(y: number, z: number): number {
  const n = Math.PI - (2 * Math.PI * y) / 2 ** z;
  return (180 / Math.PI) * Math.atan(Math.sinh(n));
}

/** [west, south, east, north] of a tile. */
export function tileBounds(t: Tile): BBox {
  return [tileXToLon(t.x, t.z), tileYToLat(t.y + 1, t.z), tileXToLon(t.x + 1, t.z), tileYToLat(t.y, t.z)];
}

/** XYZ row <-> TMS row (MBTiles `tile_row`). The flip is its own inverse. */
export function flipY(y: number, z: number): number {
  return 2 ** z - 1 - y;
}

/**
 * Tile range covering a bbox at zoom z. A bbox edge that falls exactly on a
 * tile edge does not pull in the neighbouring tile (except at the world edge).
 */
export function bboxToTileRange(bbox: BBox, z: number): TileRange {
  const [w, s, e, n] = bbox;
  const nw = lonLatToWorld(w, n, z);
  const se = lonLatToWorld(e, s, z);
  const last = 2 ** z - 1;
  const edge = (v: number, lo: number): number => clamp(Number.isInteger(v) && v > lo ? v - 1 : Math.floor(v), 0, last);
  const minX = clamp(Math.floor(nw.x), 0, last);
  const minY = clamp(Math.floor(nw.y), 0, last);
  return { z, minX, minY, maxX: Math.max(minX, edge(se.x, nw.x)), maxY: Math.max(minY, edge(se.y, nw.y)) };
}

export function rangeCount(r: TileRange): number {
  return (r.maxX - r.minX + 1) * (r.maxY - r.minY + 1);
}

export function isValidTile(t: Tile): boolean {
  const n = 2 ** t.z;
  return Number.isInteger(t.z) && t.z >= 0 && t.z <= MAX_ZOOM && Number.isInteger(t.x) && Number.isInteger(t.y) && t.x >= 0 && t.y >= 0 && t.x < n && t.y < n;
}

/** Mean Earth radius (m) used for distances; Web Mercator uses the equatorial one for scale. */
export const EARTH_RADIUS_M = 6_371_008.8;
export const MERCATOR_RADIUS_M = 6_378_137;

/** Great-circle distance in metres. */
export function haversineM(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const r = Math.PI / 180;
  const dLat = (lat2 - lat1) * r;
  const dLon = (lon2 - lon1) * r;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * r) * Math.cos(lat2 * r) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
}
