/**
 * The always-visible connection pill: "live", "reconnecting in N s" (counting
 * down), "reconnecting…" while an attempt is under way, or "offline". It also
 * marks <body> with `data-link` so screens can dim values that are no longer live.
 */
import type { Connection, LinkStatus } from './connection.js';
import { setText } from './dom.js';

export function mountLinkIndicator(el: HTMLElement, conn: Connection): void {
  let everLive = false;
  let retryAt = 0;
  let ticker: number | undefined;

  const render = (s: LinkStatus): void => {
    window.clearInterval(ticker);
    ticker = undefined;
    let kind: string = s.kind;
    let text: string;
    switch (s.kind) {
      case 'live':
        everLive = true;
        text = 'live';
        break;
      case 'connecting':
        // A first connect is "connecting"; any later one is part of reconnecting.
        if (everLive || retryAt) kind = 'reconnecting';
        text = kind === 'reconnecting' ? 'reconnecting…' : 'connecting…';
        break;
      case 'reconnecting': {
        retryAt = Date.now() + s.inMs;
        const tick = (): void => setText(el, `reconnecting in ${Math.max(0, Math.ceil((retryAt - Date.now()) / 1000))} s`);
        ticker = window.setInterval(tick, 250);
        text = `reconnecting in ${Math.ceil(s.inMs / 1000)} s`;
        break;
      }
      case 'offline':
        text = 'offline';
        break;
    }
    el.dataset.kind = kind;
    document.body.dataset.link = kind;
    el.title = s.kind === 'reconnecting' && s.lastClose !== null ? `last close code ${s.lastClose}, attempt ${s.attempt}` : '';
    setText(el, text);
  };
  render(conn.status);
  conn.onStatus(render);
}
