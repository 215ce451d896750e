/**
 * A bbox picked on the map for the new-download form. The map screen sets it
 * and navigates to /downloads, whose form picks it up; it lives in
 * sessionStorage so a reload in between does not lose it.
 */
export type BBox = [west: number, south: number, east: number, north: number];

const KEY = 'dashcamd.pickedBbox';

export function setPickedBbox(b: BBox): void {
  sessionStorage.setItem(KEY, JSON.stringify(b));
}

/** Returns the picked bbox once (it is consumed). */
export function takePickedBbox(): BBox | null {
  const raw = sessionStorage.getItem(KEY);
  sessionStorage.removeItem(KEY);
  if (!raw) return null;
  try {
    const v: unknown = JSON.parse(raw);
    return Array.isArray(v) && v.length === 4 && v.every((n) => typeof n === 'number' && Number.isFinite(n)) ? (v as BBox) : null;
  } catch {
    return null;
  }
}
