/**
 * The new-download form: an area (around my position, a bbox typed or drawn
 * on the map, or a route file), a zoom range and a source. The estimate is
 * always shown before a job can start; a big job needs a ticked confirmation.
 * Any change to the form invalidates the estimate.
 */
import type { ScreenContext } from '../router.js';
import { describe, estimateDownload, listSources, startDownload, type Estimate, type JobRequest } from '../api.js';
import { fill, h } from '../dom.js';
import { fmtBytes, fmtCount, fmtDuration, fmtLatLon } from '../format.js';
import { takePickedBbox } from '../selection.js';

/** Above this many tiles the UI asks for confirmation even if the daemon's cap is higher. */
const BIG_JOB_TILES = 20_000;

type AreaKind = 'radius' | 'bbox' | 'route';

const num = (name: string, value: number, attrs: Record<string, string | number> = {}): HTMLInputElement =>
  h('input', { name, type: 'number', inputmode: 'decimal', step: 'any', value: String(value), ...attrs });

export function downloadForm(root: HTMLElement, ctx: ScreenContext): () => void {
  const picked = takePickedBbox();
  let kind: AreaKind = picked ? 'bbox' : 'radius';
  let estimate: Estimate | null = null;
  let routeFile: { format: 'geojson' | 'gpx' | 'kml'; data: string } | null = null;

  const name = h('input', { name: 'name', type: 'text', placeholder: 'e.g. Alps holiday', maxlength: 120 });
  const sourceSlot = h('span', {}, h('input', { name: 'source', type: 'text', placeholder: 'source name', required: true }));
  const radius = num('radiusKm', 10, { min: 0.1, max: 500 });
  const here = h('span', { class: 'muted' });
  const bbox = ['west', 'south', 'east', 'north'].map((n, i) => num(n, picked?.[i] ?? 0, { placeholder: n }));
  const draw = h('button', { type: 'button', class: 'secondary', id: 'draw-bbox' }, 'Draw on map');
  const file = h('input', { name: 'route', type: 'file', accept: '.gpx,.kml,.geojson,.json' });
  const width = num('widthKm', 2, { min: 0.1, max: 100 });
  const minZoom = num('minZoom', 8, { min: 0, max: 20, step: 1 });
  const maxZoom = num('maxZoom', 14, { min: 0, max: 20, step: 1 });
  const estimateBtn = h('button', { type: 'submit', class: 'secondary', id: 'estimate' }, 'Estimate');
  const startBtn = h('button', { type: 'button', class: 'primary', id: 'start', disabled: true }, 'Start download');
  const result = h('div', { id: 'estimate-result', class: 'estimate', hidden: true });
  const confirmBox = h('input', { type: 'checkbox', id: 'confirm-big' });
  const confirmRow = h('label', { class: 'confirm', hidden: true }, confirmBox, h('span', { id: 'confirm-text' }));
  const message = h('p', { id: 'form-message', hidden: true });

  const panes: Record<AreaKind, HTMLElement> = {
    radius: h('div', {}, h('label', {}, 'Radius (km)', radius), here),
    bbox: h('div', {}, h('div', { class: 'grid2' }, ...bbox.map((i) => h('label', {}, i.name, i))), draw),
    route: h('div', {}, h('label', {}, 'GPX, KML or GeoJSON route', file), h('label', {}, 'Corridor width (km)', width)),
  };
  const tabs = (['radius', 'bbox', 'route'] as const).map((k) =>
    h('button', { type: 'button', class: 'tab', 'data-kind': k }, k === 'radius' ? 'Around me' : k === 'bbox' ? 'Map area' : 'Route file'),
  );
  const form = h(
    'form',
    { id: 'new-download', class: 'panel', novalidate: true },
    h('h3', {}, 'New download'),
    h('label', {}, 'Name', name),
    h('label', {}, 'Source', sourceSlot),
    h('div', { class: 'tabs', role: 'tablist' }, ...tabs),
    ...Object.values(panes),
    h('div', { class: 'grid2' }, h('label', {}, 'Min zoom', minZoom), h('label', {}, 'Max zoom', maxZoom)),
    h('div', { class: 'buttons' }, estimateBtn, startBtn),
    result,
    confirmRow,
    message,
  );
  root.append(form);

  const say = (text: string, cls: 'error' | 'ok' | 'muted'): void => {
    message.hidden = !text;
    message.className = cls;
    message.textContent = text;
  };
  const invalidate = (): void => {
    estimate = null;
    result.hidden = true;
    confirmRow.hidden = true;
    confirmBox.checked = false;
    startBtn.disabled = true;
  };
  const showKind = (k: AreaKind): void => {
    kind = k;
    for (const t of tabs) t.setAttribute('aria-selected', String(t.dataset.kind === k));
    for (const [pk, pane] of Object.entries(panes)) pane.hidden = pk !== k;
    invalidate();
  };
  for (const t of tabs) t.addEventListener('click', () => showKind(t.dataset.kind as AreaKind));
  form.addEventListener('input', (ev) => {
    if (ev.target !== confirmBox) invalidate();
  });
  confirmBox.addEventListener('change', () => (startBtn.disabled = !estimate || !confirmBox.checked));
  draw.addEventListener('click', () => ctx.navigate('/map?pick=bbox'));
  // Reading the file is asynchronous: an estimate asked for meanwhile waits for it.
  let routeRead: Promise<void> = Promise.resolve();
  file.addEventListener('change', () => {
    routeRead = (async () => {
      routeFile = null;
      const f = file.files?.[0];
      if (!f) return;
      const ext = f.name.toLowerCase().split('.').pop() ?? '';
      const format = ext === 'gpx' ? 'gpx' : ext === 'kml' ? 'kml' : ext === 'geojson' || ext === 'json' ? 'geojson' : null;
      if (!format) return say('The route must be a .gpx, .kml or .geojson file.', 'error');
      if (f.size > 20 * 1024 * 1024) return say('The route file is larger than 20 MB.', 'error');
      routeFile = { format, data: await f.text() };
      say('', 'muted');
    })();
  });

  const request = (): JobRequest | string => {
    const z0 = minZoom.valueAsNumber;
    const z1 = maxZoom.valueAsNumber;
    if (!Number.isInteger(z0) || !Number.isInteger(z1) || z0 < 0 || z1 > 20 || z0 > z1) return 'Zoom: whole numbers with 0 ≤ min ≤ max ≤ 20.';
    const source = (sourceSlot.querySelector('select, input') as HTMLInputElement | HTMLSelectElement).value.trim();
    if (!source) return 'Choose a source.';
    let area: JobRequest['area'];
    if (kind === 'radius') {
      if (!(radius.valueAsNumber > 0)) return 'Radius must be more than 0 km.';
      area = { type: 'radius', center: 'gps', radiusKm: radius.valueAsNumber };
    } else if (kind === 'bbox') {
      const [w, s, e, n] = bbox.map((i) => i.valueAsNumber) as [number, number, number, number];
      if (![w, s, e, n].every(Number.isFinite) || w >= e || s >= n) return 'Map area: west < east and south < north (draw it on the map).';
      area = { type: 'bbox', bbox: [w, s, e, n] };
    } else {
      if (!routeFile) return 'Choose a route file.';
      if (!(width.valueAsNumber > 0)) return 'Corridor width must be more than 0 km.';
      area = { type: 'corridor', widthKm: width.valueAsNumber, route: routeFile };
    }
    return { ...(name.value.trim() ? { name: name.value.trim() } : {}), source, area, minZoom: z0, maxZoom: z1 };
  };

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    invalidate();
    await routeRead;
    const req = request();
    if (typeof req === 'string') return say(req, 'error');
    say('estimating…', 'muted');
    const r = await estimateDownload(req);
    if (!r.ok) return say(r.kind === 'missing' ? 'Downloads are not available on this daemon yet.' : describe(r), 'error');
    estimate = r.value;
    say('', 'muted');
    const perZoom = estimate.perZoom.map((z) => `z${z.zoom}: ${fmtCount(z.tiles)}`).join(' · ');
    fill(result,
      h('strong', {}, `${fmtCount(estimate.tiles)} tiles`), ` · about ${fmtBytes(estimate.bytes)} · about ${fmtDuration(estimate.seconds)}`,
      h('br'), h('small', { class: 'muted' }, perZoom));
    result.hidden = false;
    const big = estimate.needsConfirm || estimate.tiles > BIG_JOB_TILES;
    confirmRow.hidden = !big;
    confirmRow.querySelector('span')!.textContent = `Yes, download ${fmtCount(estimate.tiles)} tiles (${fmtBytes(estimate.bytes)})${estimate.needsConfirm ? `: above the limit of ${fmtCount(estimate.tileCap ?? 0)}` : ''}.`;
    startBtn.disabled = big;
  });

  startBtn.addEventListener('click', async () => {
    const req = request();
    if (typeof req === 'string' || !estimate) return;
    startBtn.disabled = true;
    const r = await startDownload({ ...req, confirm: confirmBox.checked || estimate.needsConfirm ? true : false });
    if (!r.ok) {
      startBtn.disabled = false;
      return say(describe(r), 'error');
    }
    invalidate();
    say('Download started.', 'ok');
    window.scrollTo({ top: 0, behavior: 'smooth' }); // the new job is at the top of the list
  });

  // Show where "around me" is; fill the source list if the daemon offers one.
  const renderHere = (): void => {
    const fix = ctx.conn.state?.gps.fix;
    here.textContent = fix ? `around ${fmtLatLon(fix.lat, fix.lon)}` : 'no GPS fix yet: the daemon needs one to start';
  };
  renderHere();
  const off = ctx.conn.onState(renderHere);
  void listSources().then((r) => {
    if (!r.ok || r.value.sources.length === 0) return;
    const select = h('select', { name: 'source' }, ...r.value.sources.map((s) => h('option', { value: s.name }, `${s.name} (${s.format}${s.maxRequestsPerSecond ? `, ≤ ${s.maxRequestsPerSecond}/s` : ''})`)));
    fill(sourceSlot, select);
  });
  showKind(kind);
  return off;
}
