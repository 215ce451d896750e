/** Display formats shared by the screens. Missing values show as an en dash. */
export const NONE = '–';

export function fmtBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return NONE;
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i && n < 100 ? 1 : 0)} ${units[i]}`;
}

/** "1 h 5 min", "4 min 10 s", "12 s". */
export function fmtDuration(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return NONE;
  s = Math.max(0, Math.round(s));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d) return `${d} d ${h} h`;
  if (h) return `${h} h ${m} min`;
  if (m) return `${m} min ${s % 60} s`;
  return `${s} s`;
}

export function fmtCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function fmtKm(m: number | null | undefined): string {
  if (m === null || m === undefined) return NONE;
  return m < 1000 ? `${Math.round(m)} m` : `${(m / 1000).toFixed(1)} km`;
}

/** Local date and time, short, from an ISO string or epoch ms. */
export function fmtTime(t: string | number | null | undefined): string {
  if (t === null || t === undefined) return NONE;
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return NONE;
  return d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function fmtLatLon(lat: number, lon: number): string {
  return `${lat.toFixed(5)}, ${lon.toFixed(5)}`;
}
