/**
 * Refreshing a finished job from its card: how old a stored tile must be to
 * be checked again, and what the last refresh pass found. A select rather than
 * a number field: four choices cover what a driver needs, one tap each.
 */
import type { DownloadJob } from '../../../daemon/protocol.js';
import { h } from '../dom.js';
import { fmtCount } from '../format.js';

/** Max age in days, as POST /api/downloads/:id/refresh takes it; 0 re-checks every tile. */
const AGES: ReadonlyArray<readonly [number, string]> = [
  [1, 'older than 1 day'],
  [7, 'older than 7 days'],
  [30, 'older than 30 days'],
  [0, 'all tiles'],
];
/** The daemon's own default, so the UI and a bare API call do the same. */
const DEFAULT_DAYS = 7;

export function refreshAgeSelect(): HTMLSelectElement {
  const select = h('select', { name: 'refresh-age', class: 'refresh-age', 'aria-label': 'Refresh which tiles' },
    ...AGES.map(([days, label]) => h('option', { value: String(days) }, label)));
  select.value = String(DEFAULT_DAYS);
  return select;
}

/** What the refresh pass found so far, or '' when the job's counters are not a refresh pass's. */
export function refreshSummary(j: DownloadJob): string {
  if (j.tilesNotModified === undefined) return '';
  // Stored in this pass but not confirmed: changed at the source, or missing before.
  const updated = (j.tilesStored ?? 0) - j.tilesNotModified;
  return `refresh: ${fmtCount(j.tilesNotModified)} up to date${updated > 0 ? ` · ${fmtCount(updated)} updated` : ''}`;
}
