/**
 * GPX 1.1 (https://www.topografix.com/GPX/1/1/) for stored tracks: one <trk>
 * per trip, one <trkseg> each. Coordinates are written with full double
 * precision so the file parses back to exactly the stored points. Speed and
 * course, which GPX 1.1 lacks, go into Garmin's TrackPointExtension v2, which
 * common tools read.
 */
import type { TrackPoint } from './trip-db.js';

const GPX_NS = 'http://www.topografix.com/GPX/1/1';
const TPX_NS = 'http://www.garmin.com/xmlschemas/TrackPointExtension/v2';

export interface GpxTrack {
  name: string;
  points: readonly TrackPoint[];
}

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

const iso = (t: number): string => new Date(t).toISOString();

function trkpt(p: TrackPoint): string {
  // Child order is fixed by the GPX schema: ele, time, ..., fix, sat, hdop, ..., extensions.
  let s = `<trkpt lat="${p.lat}" lon="${p.lon}">`;
  if (p.ele !== null) s += `<ele>${p.ele}</ele>`;
  s += `<time>${iso(p.t)}</time>`;
  s += `<fix>${p.fix}</fix>`;
  if (p.sats !== null) s += `<sat>${p.sats}</sat>`;
  if (p.hdop !== null) s += `<hdop>${p.hdop}</hdop>`;
  if (p.speed !== null || p.course !== null) {
    s += '<extensions><gpxtpx:TrackPointExtension>';
    if (p.speed !== null) s += `<gpxtpx:speed>${p.speed}</gpxtpx:speed>`;
    // The extension's course is 0 <= x < 360.
    if (p.course !== null) s += `<gpxtpx:course>${p.course >= 0 && p.course < 360 ? p.course : ((p.course % 360) + 360) % 360}</gpxtpx:course>`;
    s += '</gpxtpx:TrackPointExtension></extensions>';
  }
  return s + '</trkpt>';
}

export function toGpx(name: string, tracks: readonly GpxTrack[], createdAt = Date.now()): string {
  const parts = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<gpx version="1.1" creator="dashcamd" xmlns="${GPX_NS}" xmlns:gpxtpx="${TPX_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="${GPX_NS} ${GPX_NS}/gpx.xsd">`,
    `<metadata><name>${esc(name)}</name><time>${iso(createdAt)}</time></metadata>`,
  ];
  for (const trk of tracks) {
    parts.push(`<trk><name>${esc(trk.name)}</name><trkseg>`);
    for (const p of trk.points) parts.push(trkpt(p));
    parts.push('</trkseg></trk>');
  }
  parts.push('</gpx>');
  return parts.join('\n') + '\n';
}
