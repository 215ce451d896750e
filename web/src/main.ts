/** Phone UI entry: one connection, a live indicator and the dashboard. */
import { Connection, type LinkStatus } from './connection.js';
import type { DaemonState } from '../../daemon/protocol.js';

const $ = (id: string): HTMLElement => document.getElementById(id)!;
const token = new URLSearchParams(location.search).get('token') ?? localStorage.getItem('dashcamd.token') ?? '';
if (token) localStorage.setItem('dashcamd.token', token);
const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws${token ? `?token=${encodeURIComponent(token)}` : ''}`;

const conn = new Connection({ url: wsUrl });
(window as unknown as { dashcamd: Connection }).dashcamd = conn; // for tests and debugging

function fmtBytes(n: number | null): string {
  if (n === null) return '–';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
}

function fmtDuration(s: number): string {
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h} h ${m} min` : `${m} min`;
}

function renderStatus(s: LinkStatus): void {
  const el = $('link');
  el.dataset.kind = s.kind;
  el.textContent =
    s.kind === 'live' ? 'live' : s.kind === 'reconnecting' ? `reconnecting in ${Math.ceil(s.inMs / 1000)} s` : s.kind;
}

function renderState(st: DaemonState): void {
  const fix = st.gps.fix;
  $('speed').textContent = fix?.speed != null ? (fix.speed * 3.6).toFixed(0) : '–';
  $('position').textContent = fix ? `${fix.lat.toFixed(5)}, ${fix.lon.toFixed(5)}` : 'no fix';
  $('fix').textContent = fix ? `${fix.mode.toUpperCase()} · ${fix.satellitesUsed ?? '?'}/${fix.satellitesVisible ?? '?'} sats` : st.gps.connected ? 'searching' : 'GPS not connected';
  $('stale').hidden = !st.gps.stale;
  $('gpio').textContent = st.gpio.available ? `ignition ${st.gpio.ignition ? 'on' : 'off'} · ${st.gpio.recording ? 'recording' : 'idle'}` : `GPIO off (${st.gpio.reason ?? 'unavailable'})`;
  const sys = st.system;
  $('temp').textContent = sys?.cpuTempC != null ? `${sys.cpuTempC.toFixed(1)} °C` : '–';
  $('disk').textContent = sys ? fmtBytes(sys.diskFreeBytes) : '–';
  $('uptime').textContent = sys ? fmtDuration(sys.uptimeS) : '–';
  $('seq').textContent = String(conn.seq);
}

conn.onStatus(renderStatus);
conn.onState(renderState);
conn.start();
