/**
 * Phone UI entry: one connection, the always-visible link indicator, the
 * track seen so far, and the router over the screens. The map screen (with
 * Leaflet) is a separate chunk fetched when it is first opened.
 */
import { Connection } from './connection.js';
import { askForTokenIfNeeded } from './access.js';
import { mountLinkIndicator } from './link-indicator.js';
import { Router, type Route } from './router.js';
import { Track } from './track.js';
import { dashboard } from './screens/dashboard.js';
import { downloads } from './screens/downloads.js';
import { events } from './screens/events.js';
import { trips } from './screens/trips.js';
import './style.css';

const $ = (id: string): HTMLElement => document.getElementById(id)!;
const token = new URLSearchParams(location.search).get('token') ?? localStorage.getItem('dashcamd.token') ?? '';
if (token) localStorage.setItem('dashcamd.token', token);
const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws${token ? `?token=${encodeURIComponent(token)}` : ''}`;

const conn = new Connection({ url: wsUrl });
(window as unknown as { dashcamd: Connection }).dashcamd = conn; // for tests and debugging
const track = new Track(conn);

const now = <T>(v: T) => (): Promise<T> => Promise.resolve(v);
const routes: Route[] = [
  { path: '/', label: 'Dash', load: now(dashboard) },
  { path: '/map', label: 'Map', load: () => import('./screens/map.js').then((mod) => mod.map) },
  { path: '/downloads', label: 'Maps ↓', load: now(downloads) },
  { path: '/trips', label: 'Trips', load: now(trips) },
  { path: '/events', label: 'Events', load: now(events) },
];

mountLinkIndicator($('link'), conn);
// After a daemon upgrade this page's asset names are gone (they are content-hashed):
// a hello from another version reloads the page instead of failing on the next chunk.
let version: string | null = null;
conn.onStatus((s) => {
  if (s.kind !== 'live') return;
  if (version !== null && s.hello.server.version !== version) location.reload();
  version = s.hello.server.version;
});
new Router(routes, $('view'), $('nav'), { conn, track }).start();
conn.start();
void askForTokenIfNeeded($('notice'));
