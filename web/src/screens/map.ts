/**
 * Map: Leaflet over the daemon's own tilesets (/tiles/...), the live position
 * and the track this page has seen. Nothing is fetched from outside the car:
 * with no tileset the map still shows position and track on a plain grid.
 * With `?pick=bbox` it selects an area for the new-download form.
 */
import * as L from 'leaflet';
import iconUrl from 'leaflet/dist/images/marker-icon.png';
import iconRetinaUrl from 'leaflet/dist/images/marker-icon-2x.png';
import shadowUrl from 'leaflet/dist/images/marker-shadow.png';
import type { GpsFix } from '../../../daemon/protocol.js';
import type { Screen } from '../router.js';
import { describe, listTilesets, listTrips, tileUrlTemplate, tripPoints } from '../api.js';
import { h } from '../dom.js';
import { setPickedBbox } from '../selection.js';

/** Leaflet's stylesheet, hashed by web/build.ts; linked the first time the map opens. */
declare const __LEAFLET_CSS__: string;
let leafletCss: Promise<void> | null = null;
function linkLeafletCss(): Promise<void> {
  leafletCss ??= new Promise((resolve) => {
    const link = h('link', { rel: 'stylesheet', href: __LEAFLET_CSS__ });
    link.addEventListener('load', () => resolve());
    link.addEventListener('error', () => resolve()); // the map still works, only unstyled controls
    document.head.append(link);
  });
  return leafletCss;
}

// Leaflet guesses image paths from its CSS, which breaks with hashed asset names: give them explicitly.
L.Icon.Default.imagePath = '';
L.Icon.Default.mergeOptions({ iconUrl, iconRetinaUrl, shadowUrl });

const DEFAULT_VIEW: L.LatLngExpression = [48.1374, 11.5755];

export const map: Screen = (root, { conn, track, navigate }) => {
  const cssReady = linkLeafletCss();
  let alive = true;
  const params = new URLSearchParams(location.search);
  const picking = params.get('pick') === 'bbox';
  /** A past trip to review (/map?trip=ID), or 0. */
  const tripId = /^\d+$/.test(params.get('trip') ?? '') ? Number(params.get('trip')) : 0;
  /** A marked spot to show (/map?at=lat,lon), or null. */
  const spot = /^-?\d+(\.\d+)?,-?\d+(\.\d+)?$/.test(params.get('at') ?? '') ? (params.get('at')!.split(',').map(Number) as [number, number]) : null;
  const reviewing = tripId > 0 || spot !== null;
  const note = h('p', { class: 'map-note', id: 'map-note', hidden: true });
  const follow = h('button', { type: 'button', class: 'map-btn', id: 'follow', 'aria-pressed': 'true', 'aria-label': 'follow my position', title: 'follow my position' });
  const box = h('div', { id: 'map' });
  root.append(box, note, follow);
  const m = L.map(box, { zoomControl: true, attributionControl: true, worldCopyJump: true }).setView(DEFAULT_VIEW, 14);
  // Sizes measured before Leaflet's stylesheet applied are stale: measure again.
  void cssReady.then(() => alive && m.invalidateSize());
  // Reviewing a past trip or a marked spot: do not follow the car away from it.
  let following = !reviewing;
  follow.setAttribute('aria-pressed', String(following));
  m.on('dragstart', () => {
    following = false;
    follow.setAttribute('aria-pressed', 'false');
  });
  follow.addEventListener('click', () => {
    following = true;
    follow.setAttribute('aria-pressed', 'true');
    const fix = conn.state?.gps.fix;
    if (fix) m.setView([fix.lat, fix.lon], Math.max(m.getZoom(), 14));
  });

  const showNote = (text: string): void => {
    note.hidden = !text;
    note.textContent = text;
  };
  void listTilesets().then((r) => {
    if (!alive) return;
    if (!r.ok) return showNote(r.kind === 'missing' ? 'Offline maps are not available on this daemon yet.' : describe(r));
    if (r.value.tilesets.length === 0) return showNote('No offline maps yet: download an area on the Downloads screen.');
    // Every downloaded area is its own layer; all are shown (they cover different places),
    // and with more than one a control switches each on or off.
    const layers: Record<string, L.TileLayer> = {};
    for (const t of r.value.tilesets) {
      layers[t.name in layers ? `${t.name} · ${t.id}` : t.name] = L.tileLayer(tileUrlTemplate(t), {
        // Far below its lowest zoom a layer would scale up thousands of tiles: hide it there.
        minZoom: Math.max(0, t.minZoom - 2),
        maxZoom: 20,
        minNativeZoom: t.minZoom,
        maxNativeZoom: t.maxZoom,
        attribution: t.attribution,
        ...(t.bounds ? { bounds: L.latLngBounds([t.bounds[1], t.bounds[0]], [t.bounds[3], t.bounds[2]]) } : {}),
      }).addTo(m);
    }
    if (r.value.tilesets.length > 1) L.control.layers(undefined, layers, { collapsed: true }).addTo(m);
  });

  const line = L.polyline(track.points, { color: '#4af', weight: 4, opacity: 0.8 }).addTo(m);
  let marker: L.Marker | null = null;
  let accuracy: L.Circle | null = null;
  const place = (fix: GpsFix | null, stale: boolean): void => {
    if (!fix || fix.mode === 'none') return;
    const at: L.LatLngTuple = [fix.lat, fix.lon];
    if (!marker) {
      marker = L.marker(at, { title: 'car', keyboard: false }).addTo(m);
      accuracy = L.circle(at, { radius: fix.errorM ?? 10, weight: 1, color: '#4af', fillOpacity: 0.1 }).addTo(m);
      if (!reviewing) m.setView(at, 15, { animate: false });
    }
    marker.setLatLng(at).setOpacity(stale ? 0.5 : 1);
    accuracy!.setLatLng(at).setRadius(fix.errorM ?? 10);
    if (following && !picking) m.panTo(at, { animate: false });
  };
  if (conn.state) place(conn.state.gps.fix, conn.state.gps.stale);
  const offState = conn.onState((s) => place(s.gps.fix, s.gps.stale));
  const offTrack = track.onPoint((p) => line.addLatLng(p));
  if (spot) {
    L.circleMarker(spot, { radius: 10, color: '#fb3', weight: 3, fillOpacity: 0.4, className: 'mark-spot' }).addTo(m);
    m.setView(spot, 16, { animate: false });
  }
  if (tripId) {
    void showTrip(m, tripId, () => alive, showNote);
  } else void showCurrentTrip(line, () => alive);

  if (picking) setUpPicker(m, root, (b) => {
    setPickedBbox(b);
    navigate('/downloads');
  });

  return () => {
    alive = false;
    offState();
    offTrack();
    // Stop running pan/zoom animations first: their next frame would touch removed panes.
    m.stop();
    m.remove();
  };
};

/** Above this many points the open trip is not fetched (a slow hotspot); the page's own track remains. */
const MAX_TRIP_POINTS = 20_000;

/**
 * Replaces the page's own track (only what this page has seen) with the whole
 * open trip from the trips API, when there is one; later fixes keep being
 * appended by the live track listener.
 */
async function showCurrentTrip(line: L.Polyline, alive: () => boolean): Promise<void> {
  const trips = await listTrips();
  const open = trips.ok ? trips.value.trips.find((t) => t.open) : undefined;
  if (!open || open.points > MAX_TRIP_POINTS) return;
  const pts = await tripPoints(open.id);
  if (pts && pts.length > 0 && alive()) line.setLatLngs(pts);
}

async function showTrip(m: L.Map, id: number, alive: () => boolean, note: (t: string) => void): Promise<void> {
  const pts = await tripPoints(id);
  if (!alive()) return;
  if (!pts || pts.length === 0) return note(`Trip ${id} has no points to show.`);
  const trip = L.polyline(pts, { color: '#fb3', weight: 5, opacity: 0.9, className: 'trip-line' }).addTo(m);
  m.fitBounds(trip.getBounds(), { padding: [24, 24], animate: false, maxZoom: 17 });
}

/** Two taps set the corners; "Use visible area" takes what is on screen. */
function setUpPicker(m: L.Map, root: HTMLElement, done: (b: [number, number, number, number]) => void): void {
  let first: L.LatLng | null = null;
  let rect: L.Rectangle | null = null;
  const hint = h('span', {}, 'Tap two corners, or use the visible area.');
  const useBtn = h('button', { type: 'button', class: 'primary', id: 'use-area' }, 'Use visible area');
  root.append(h('div', { class: 'map-picker' }, hint, useBtn));
  m.on('click', (ev: L.LeafletMouseEvent) => {
    if (!first || rect) {
      rect?.remove();
      rect = null;
      first = ev.latlng;
      hint.textContent = 'Now tap the opposite corner.';
      return;
    }
    rect = L.rectangle(L.latLngBounds(first, ev.latlng), { color: '#fb3', weight: 2 }).addTo(m);
    first = null;
    hint.textContent = 'Area selected. Tap again to start over.';
    useBtn.textContent = 'Use this area';
  });
  useBtn.addEventListener('click', () => {
    const b = rect ? rect.getBounds() : m.getBounds();
    const r = (n: number): number => Math.round(n * 1e5) / 1e5;
    done([r(Math.max(-180, b.getWest())), r(Math.max(-85, b.getSouth())), r(Math.min(180, b.getEast())), r(Math.min(85, b.getNorth()))]);
  });
}
