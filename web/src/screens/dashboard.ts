/** Dashboard: speed, position, fix, GPIO and recording, and the Pi's health. */
import type { DaemonState } from '../../../daemon/protocol.js';
import type { Screen } from '../router.js';
import { h, setText } from '../dom.js';
import { NONE, fmtBytes, fmtDuration, fmtLatLon } from '../format.js';

const COMPASS = ['N', 'NE', 'E', 'SE', 'S', 'SW', 'W', 'NW'];

export const dashboard: Screen = (root, { conn }) => {
  const field = (id: string, label: string): HTMLElement => {
    const dd = h('dd', { id }, NONE);
    grid.append(h('div', { class: 'card' }, h('dt', {}, label), dd));
    return dd;
  };
  const speed = h('span', { id: 'speed' }, NONE);
  const stale = h('p', { id: 'stale', class: 'warn', hidden: true, role: 'alert' }, 'Position is stale: no recent GPS fix');
  const rec = h('span', { id: 'recording', class: 'badge' }, NONE);
  const grid = h('dl', { class: 'cards' });
  root.append(h('section', { class: 'big' }, speed, h('small', {}, 'km/h'), rec), stale, grid);
  const el = {
    position: field('position', 'Position'),
    fix: field('fix', 'Fix'),
    heading: field('heading', 'Heading · altitude'),
    gpio: field('gpio', 'Ignition · button'),
    temp: field('temp', 'CPU temperature'),
    disk: field('disk', 'Disk free'),
    uptime: field('uptime', 'Uptime'),
    load: field('load', 'Load · memory'),
  };

  const render = (st: DaemonState): void => {
    const { gps, gpio, system: sys } = st;
    const fix = gps.fix;
    setText(speed, fix?.speed != null ? (fix.speed * 3.6).toFixed(0) : NONE);
    setText(el.position, fix ? fmtLatLon(fix.lat, fix.lon) : 'no fix');
    setText(
      el.fix,
      fix && fix.mode !== 'none'
        ? `${fix.mode.toUpperCase()} · ${fix.satellitesUsed ?? '?'}/${fix.satellitesVisible ?? '?'} sats${fix.errorM != null ? ` · ±${fix.errorM.toFixed(0)} m` : ''}`
        : gps.connected ? `searching (${gps.source})` : 'GPS not connected',
    );
    const heading = fix?.track != null ? `${fix.track.toFixed(0)}° ${COMPASS[Math.round(fix.track / 45) % 8]}` : NONE;
    setText(el.heading, `${heading} · ${fix?.altitude != null ? `${fix.altitude.toFixed(0)} m` : NONE}`);
    stale.hidden = !gps.stale;
    document.body.classList.toggle('gps-stale', gps.stale);
    setText(rec, gpio.recording ? '● REC' : 'not recording');
    rec.dataset.on = String(gpio.recording);
    setText(
      el.gpio,
      gpio.available
        ? `${gpio.ignition === null ? NONE : gpio.ignition ? 'on' : 'off'} · ${gpio.button === null ? NONE : gpio.button ? 'pressed' : 'released'}`
        : `unavailable (${gpio.reason ?? 'no GPIO'})`,
    );
    setText(el.temp, sys?.cpuTempC != null ? `${sys.cpuTempC.toFixed(1)} °C` : NONE);
    el.temp.dataset.level = sys?.cpuTempC != null && sys.cpuTempC >= 75 ? 'bad' : '';
    const diskPct = sys?.diskFreeBytes != null && sys.diskTotalBytes ? ` (${Math.round((100 * sys.diskFreeBytes) / sys.diskTotalBytes)} %)` : '';
    setText(el.disk, sys ? `${fmtBytes(sys.diskFreeBytes)}${diskPct}` : NONE);
    setText(el.uptime, sys ? fmtDuration(sys.uptimeS) : NONE);
    setText(el.load, sys ? `${sys.load1.toFixed(2)} · ${fmtBytes(sys.memTotalBytes - sys.memFreeBytes)} used` : NONE);
  };
  if (conn.state) render(conn.state);
  return conn.onState(render);
};
