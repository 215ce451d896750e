/**
 * A tiny path router. The daemon answers any extension-less path with
 * index.html, so screens have real URLs (/map, /downloads) that survive a
 * reload. Screens load through `load()`, which lets the map's Leaflet chunk
 * arrive only when the map is opened.
 */
import type { Connection } from './connection.js';
import type { Track } from './track.js';
import { fill, h } from './dom.js';

export interface ScreenContext {
  conn: Connection;
  track: Track;
  navigate(path: string): void;
}

/** Renders into `root`; returns a cleanup that removes listeners and timers. */
export type Screen = (root: HTMLElement, ctx: ScreenContext) => () => void;

export interface Route {
  path: string;
  label: string;
  load: () => Promise<Screen>;
}

export class Router {
  private cleanup: (() => void) | null = null;
  private current = '';
  private generation = 0;

  constructor(
    private readonly routes: readonly Route[],
    private readonly root: HTMLElement,
    private readonly nav: HTMLElement,
    private readonly ctx: Omit<ScreenContext, 'navigate'>,
  ) {}

  start(): void {
    fill(this.nav, ...this.routes.map((r) => h('a', { href: r.path, 'data-path': r.path }, r.label)));
    this.nav.addEventListener('click', (ev) => {
      const a = (ev.target as Element).closest('a');
      if (!a || ev.ctrlKey || ev.metaKey) return;
      ev.preventDefault();
      this.navigate(a.getAttribute('href') ?? '/');
    });
    window.addEventListener('popstate', () => void this.render());
    void this.render();
  }

  navigate(path: string): void {
    if (path !== location.pathname) history.pushState(null, '', path);
    void this.render();
  }

  private async render(): Promise<void> {
    const route = this.routes.find((r) => r.path === location.pathname) ?? this.routes[0]!;
    if (route.path === this.current) return;
    this.current = route.path;
    const gen = ++this.generation;
    for (const a of this.nav.querySelectorAll('a')) a.toggleAttribute('aria-current', a.dataset.path === route.path);
    this.cleanup?.();
    this.cleanup = null;
    fill(this.root, h('p', { class: 'muted' }, 'loading…'));
    let screen: Screen;
    try {
      screen = await route.load();
    } catch (err) {
      // A chunk that cannot load (daemon restarted mid-navigation): say so, allow a retry.
      if (gen === this.generation) {
        this.current = '';
        fill(this.root, h('p', { class: 'error' }, `could not load this screen: ${(err as Error).message}`));
      }
      return;
    }
    if (gen !== this.generation) return; // the user moved on meanwhile
    fill(this.root);
    this.root.dataset.screen = route.path;
    this.cleanup = screen(this.root, { ...this.ctx, navigate: (p) => this.navigate(p) });
  }
}
