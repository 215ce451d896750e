/**
 * The always-visible connection pill: "live", "reconnecting in N s" (counting
 * down), "reconnecting…" while an attempt is under way, or "offline · retry in
 * N s" when the browser reports no network. It also
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
      case 'reconnecting':
      case 'offline': {
        retryAt = Date.now() + s.inMs;
        const label = (): string => {
          const n = Math.max(0, Math.ceil((retryAt - Date.now()) / 1000));
          return s.kind === 'offline' ? `offline · retry in ${n} s` : `reconnecting in ${n} s`;
        };
        ticker = window.setInterval(() => setText(el, label()), 250);
        text = label();
        break;
      }
    }
    el.dataset.kind = kind;
    document.body.dataset.link = kind;
    el.title = s.kind === 'reconnecting' && s.lastClose !== null ? `last close code ${s.lastClose}, attempt ${s.attempt}` : '';
    setText(el, text);
  };
  render(conn.status);
  conn.onStatus(render);
}
