/** Events: marked moments (camera button or this page), newest first, with a button to mark one. */
import type { Screen } from '../router.js';
import { checkEventMark, describe, listEvents, markEvent, type EventMark } from '../api.js';
import { fill, h } from '../dom.js';
import { fmtLatLon, fmtTime } from '../format.js';

export const events: Screen = (root, { conn, navigate }) => {
  const status = h('p', { class: 'muted', id: 'events-status' }, 'loading…');
  const list = h('ul', { class: 'list', id: 'events-list' });
  const marks = new Map<number, EventMark>();
  const button = h('button', { class: 'primary wide', id: 'mark', type: 'button' }, '⚑ Mark this moment');
  root.append(h('h2', {}, 'Events'), button, status, list);

  const render = (): void => {
    const sorted = [...marks.values()].sort((a, b) => b.id - a.id);
    fill(list, ...sorted.map(row));
    if (!status.classList.contains('error')) status.textContent = sorted.length ? `${sorted.length} ${sorted.length === 1 ? 'mark' : 'marks'}` : 'No marks yet. Press the camera button or the button above.';
  };
  const row = (m: EventMark): HTMLElement =>
    h(
      'li',
      { 'data-id': m.id },
      h('div', {},
      h('strong', {}, fmtTime(m.time)),
      h('span', { class: 'muted' }, m.source === 'button' ? ' · button' : ' · phone'),
      h('br'),
      m.position
        ? h('span', { class: m.position.stale ? 'stale' : '' }, `${fmtLatLon(m.position.lat, m.position.lon)}${m.position.stale ? ' (stale)' : ''}`)
        : h('span', { class: 'muted' }, 'no position')),
      m.position &&
        h('button', { type: 'button', class: 'secondary', 'data-action': 'map', onclick: () => navigate(`/map?at=${m.position!.lat},${m.position!.lon}`) }, 'Map'),
    );

  button.addEventListener('click', async () => {
    button.disabled = true;
    const r = await markEvent();
    button.disabled = false;
    if (r.ok) {
      marks.set(r.value.event.id, r.value.event);
      render();
    } else showError(r.kind === 'missing' ? 'Marking from the phone is not available on this daemon.' : describe(r));
  });
  const showError = (text: string): void => {
    status.className = 'error';
    status.textContent = text;
  };

  void listEvents().then((r) => {
    if (r.ok) for (const m of r.value.events) marks.set(m.id, m);
    else if (r.kind === 'missing') {
      showError('Event marks are not available on this daemon yet.');
      button.disabled = true;
    } else showError(describe(r));
    render();
  });
  // Marks made while this screen is open arrive on the channel.
  return conn.onEvent((ev) => {
    if (ev.topic !== 'events' || ev.name !== 'mark') return;
    try {
      const m = checkEventMark(ev.data, 'event.data');
      marks.set(m.id, m);
      render();
    } catch (err) {
      console.warn('ignored malformed mark event', (err as Error).message);
    }
  });
};
