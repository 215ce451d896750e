/**
 * Who may talk to the daemon. Phones on the car hotspot are trusted only as
 * far as the config says: an optional shared token for /api and /ws, and an
 * Origin check on WebSocket upgrades so a page from elsewhere cannot open the
 * socket from a phone's browser (cross-site WebSocket hijacking).
 */
import { timingSafeEqual } from 'node:crypto';

export interface SecurityOptions {
  token?: string | undefined;
  allowedOrigins: readonly string[];
}

export class Security {
  private readonly token: Buffer | null;
  private readonly origins: Set<string>;

  constructor(opts: SecurityOptions) {
    this.token = opts.token ? Buffer.from(opts.token) : null;
    this.origins = new Set(opts.allowedOrigins.map((o) => new URL(o).origin));
  }

  get tokenRequired(): boolean {
    return this.token !== null;
  }

  /** Token from `Authorization: Bearer`, or `?token=` (browsers cannot set WebSocket headers). */
  authorize(headers: Record<string, string>, query: URLSearchParams): boolean {
    if (!this.token) return true;
    const auth = headers.authorization ?? '';
    const given = auth.toLowerCase().startsWith('bearer ') ? auth.slice(7).trim() : (query.get('token') ?? '');
    const buf = Buffer.from(given);
    return buf.length === this.token.length && timingSafeEqual(buf, this.token);
  }

  /**
   * Browsers always send Origin on upgrades; it must be the daemon's own host
   * or configured. Clients that are not browsers send none and are allowed
   * (they could forge it anyway; the token is what protects against them).
   */
  originAllowed(origin: string | undefined, host: string | undefined): boolean {
    if (!origin) return true;
    let parsed: URL;
    try {
      parsed = new URL(origin);
    } catch {
      return false;
    }
    if (host && parsed.host === host) return true;
    return this.origins.has(parsed.origin);
  }
}
