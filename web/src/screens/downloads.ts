/**
 * Downloads: every job from the live `downloads` topic with its progress and
 * controls, and the form for a new one. Destructive buttons (cancel, delete)
 * need a second tap within 4 s instead of a dialog, which suits a phone in a car.
 * A finished job can be refreshed, re-checking tiles older than a chosen age.
 */
import type { DownloadJob, JobState } from '../../../daemon/protocol.js';
import type { Screen } from '../router.js';
import { describe, jobAction, refreshJob, type ApiResult, type JobAction } from '../api.js';
import { fill, h, setText } from '../dom.js';
import { NONE, fmtBytes, fmtCount, fmtDuration } from '../format.js';
import { downloadForm } from './download-form.js';
import { refreshAgeSelect, refreshSummary } from './job-refresh.js';

const STATE_LABEL: Record<JobState, string> = {
  queued: 'queued',
  running: 'downloading',
  paused: 'paused',
  waitingForNetwork: 'waiting for network',
  diskLow: 'disk low',
  interrupted: 'interrupted',
  done: 'done',
  failed: 'failed',
  cancelled: 'cancelled',
};

const ACTIVE: readonly JobState[] = ['queued', 'running', 'waitingForNetwork', 'diskLow', 'interrupted'];

type RowAction = JobAction | 'refresh';

function actionsFor(state: JobState): RowAction[] {
  if (ACTIVE.includes(state)) return ['pause', 'cancel'];
  if (state === 'paused') return ['resume', 'cancel'];
  // Not refresh: resume goes on where the job stopped (a failed refresh pass too),
  // a refresh would start over from the first tile.
  if (state === 'failed') return ['resume', 'delete'];
  if (state === 'done') return ['refresh', 'delete'];
  return ['delete'];
}

export function percent(job: DownloadJob): number {
  if (job.tilesTotal <= 0) return job.state === 'done' ? 100 : 0;
  return Math.min(100, Math.floor((100 * job.tilesDone) / job.tilesTotal));
}

export const downloads: Screen = (root, ctx) => {
  const list = h('div', { id: 'jobs' });
  const empty = h('p', { class: 'muted', id: 'jobs-empty' }, 'No downloads yet.');
  const message = h('p', { class: 'error', id: 'jobs-error', hidden: true });
  const rows = new Map<string, { el: HTMLElement; update: (j: DownloadJob) => void }>();
  const firstSeen = new Map<string, number>();
  root.append(h('h2', {}, 'Downloads'), message, empty, list);
  const stopForm = downloadForm(root, ctx);

  const act = async (btn: HTMLButtonElement, action: RowAction, call: () => Promise<ApiResult<unknown>>): Promise<void> => {
    if ((action === 'cancel' || action === 'delete') && btn.dataset.armed !== 'true') {
      btn.dataset.armed = 'true';
      btn.textContent = action === 'cancel' ? 'Really cancel?' : 'Really delete?';
      window.setTimeout(() => {
        btn.dataset.armed = 'false';
        btn.textContent = action;
      }, 4000);
      return;
    }
    btn.disabled = true;
    const r = await call();
    btn.disabled = false;
    message.hidden = r.ok;
    if (!r.ok) message.textContent = r.kind === 'missing' ? 'This daemon has no download control API.' : `${action} failed: ${describe(r)}`;
  };

  const makeRow = (job: DownloadJob): { el: HTMLElement; update: (j: DownloadJob) => void } => {
    const title = h('strong', { class: 'job-name' });
    const badge = h('span', { class: 'badge job-state' });
    const bar = h('progress', { max: 100, value: 0 });
    const pct = h('span', { class: 'job-pct' });
    const counts = h('span', { class: 'job-tiles' });
    const refreshed = h('small', { class: 'muted job-refresh', hidden: true });
    const rate = h('span', { class: 'muted job-rate' });
    const reason = h('p', { class: 'warn job-reason', hidden: true });
    const buttons = h('div', { class: 'buttons' });
    const zooms = h('small', { class: 'muted job-zooms' });
    const el = h('article', { class: 'job', 'data-id': job.id },
      h('div', { class: 'row' }, title, badge), h('div', { class: 'row' }, bar, pct), h('div', {}, counts), refreshed, h('div', {}, rate), zooms, reason, buttons);
    let shownActions = '';
    const update = (j: DownloadJob): void => {
      el.dataset.state = j.state;
      setText(title, j.name);
      // A refresh pass counts from 0 again: the label says why the bar starts over.
      const refreshing = j.state === 'running' && j.tilesNotModified !== undefined;
      setText(badge, refreshing ? 'refreshing' : STATE_LABEL[j.state] ?? j.state);
      badge.dataset.state = j.state;
      bar.value = percent(j);
      setText(pct, `${percent(j)} %`);
      const extra = [j.tilesMissing ? `${fmtCount(j.tilesMissing)} missing` : '', j.tilesFailed ? `${fmtCount(j.tilesFailed)} failed` : ''].filter(Boolean);
      // The file's size is read when the job stops: shown only then (the SD card's space, after deduplication).
      const onDisk = j.fileBytes !== undefined && j.state !== 'running' ? ` · ${fmtBytes(j.fileBytes)} on disk` : '';
      setText(counts, `${fmtCount(j.tilesDone)} / ${fmtCount(j.tilesTotal)} tiles${extra.length ? ` (${extra.join(', ')})` : ''} · ${fmtBytes(j.bytes)}${onDisk}`);
      const summary = refreshSummary(j);
      refreshed.hidden = !summary;
      setText(refreshed, summary);
      setText(rate, j.state === 'running' ? `${j.tilesPerS.toFixed(1)} tiles/s · ${fmtBytes(j.bytesPerS)}/s · ETA ${j.etaS === null ? NONE : fmtDuration(j.etaS)}` : '');
      // Per-zoom progress is optional in the protocol: shown when the daemon sends it.
      setText(zooms, (j.perZoom ?? []).map((z) => `z${z.zoom} ${z.total ? Math.floor((100 * z.done) / z.total) : 100} %`).join(' · '));
      reason.hidden = !j.reason;
      // Problems the driver should act on stand out; a reason the user caused (paused, cancelled) does not.
      reason.className = `job-reason ${j.state === 'paused' || j.state === 'cancelled' ? 'muted' : j.state === 'failed' ? 'warn bad' : 'warn'}`;
      setText(reason, j.reason ?? '');
      const actions = actionsFor(j.state);
      if (actions.join() !== shownActions) {
        shownActions = actions.join();
        fill(buttons, ...actions.flatMap((a) => {
          const b = h('button', { type: 'button', class: a === 'cancel' || a === 'delete' ? 'danger' : 'secondary', 'data-action': a }, a);
          if (a !== 'refresh') {
            b.addEventListener('click', () => void act(b, a, () => jobAction(j.id, a)));
            return [b];
          }
          // The age is read at the tap, so a choice made just before it counts.
          const age = refreshAgeSelect();
          b.addEventListener('click', () => void act(b, a, () => refreshJob(j.id, Number(age.value))));
          return [b, age];
        }));
      }
    };
    update(job);
    return { el, update };
  };

  const render = (jobs: Record<string, DownloadJob>): void => {
    for (const id of Object.keys(jobs)) if (!firstSeen.has(id)) firstSeen.set(id, firstSeen.size);
    // Newest first by when this page first saw the job: progress updates never reorder the list.
    const sorted = Object.values(jobs).sort((a, b) => firstSeen.get(b.id)! - firstSeen.get(a.id)!);
    for (const [id, row] of rows) if (!(id in jobs)) (row.el.remove(), rows.delete(id));
    for (const job of sorted) {
      let row = rows.get(job.id);
      if (!row) rows.set(job.id, (row = makeRow(job)));
      else row.update(job);
    }
    // Keep DOM order stable unless it changed, so a thumb on a button does not jump.
    const want = sorted.map((j) => rows.get(j.id)!.el);
    if (want.some((el, i) => list.children[i] !== el)) list.replaceChildren(...want);
    empty.hidden = sorted.length > 0;
  };
  if (ctx.conn.state) render(ctx.conn.state.downloads);
  const off = ctx.conn.onState((s) => render(s.downloads));
  return () => {
    off();
    stopForm();
  };
};
