/** Trips: the recorded drives, newest first, each with its GPX download. */
import type { Screen } from '../router.js';
import { describe, listTrips, tripGpxUrl, type Trip } from '../api.js';
import { fill, h } from '../dom.js';
import { fmtDuration, fmtKm, fmtTime } from '../format.js';

export const trips: Screen = (root, { navigate }) => {
  const status = h('p', { class: 'muted', id: 'trips-status' }, 'loading…');
  const list = h('ul', { class: 'list', id: 'trips-list' });
  const refresh = h('button', { type: 'button', class: 'secondary' }, 'Refresh');
  root.append(h('div', { class: 'row' }, h('h2', {}, 'Trips'), refresh), status, list);

  const row = (t: Trip): HTMLElement => {
    return h(
      'li',
      { 'data-id': t.id },
      h('div', {},
        h('strong', {}, fmtTime(t.startedAt)),
        h('br'),
        h('span', { class: 'muted' }, `${t.open ? 'in progress · ' : ''}${fmtDuration(t.durationS)} · ${fmtKm(t.distanceM)} · ${t.points} points`),
      ),
      h('div', { class: 'buttons' },
        h('button', { type: 'button', class: 'secondary', 'data-action': 'map', onclick: () => navigate(`/map?trip=${t.id}`) }, 'Map'),
        h('a', { class: 'button secondary', href: tripGpxUrl(t.id), download: `trip-${t.id}.gpx` }, 'GPX')),
    );
  };
  let alive = true;
  const load = async (): Promise<void> => {
    status.className = 'muted';
    status.textContent = 'loading…';
    const r = await listTrips();
    if (!alive) return;
    if (r.ok) {
      const sorted = [...r.value.trips].sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt));
      fill(list, ...sorted.map(row));
      status.textContent = sorted.length ? `${sorted.length} ${sorted.length === 1 ? 'trip' : 'trips'}` : 'No trips recorded yet.';
    } else {
      fill(list);
      status.className = r.kind === 'missing' ? 'muted' : 'error';
      status.textContent = r.kind === 'missing' ? 'Trip recording is not available on this daemon yet.' : describe(r);
    }
  };
  refresh.addEventListener('click', () => void load());
  void load();
  return () => {
    alive = false;
  };
};
