/**
 * The one uWS app that serves everything: /ws, /api and the phone UI.
 * Listening and stopping are explicit so shutdown can stop accepting new
 * connections before the channel closes the open ones with 1001.
 */
import type { TemplatedApp, UwsModule, us_listen_socket } from './uws.js';
import type { Logger } from './logger.js';

export interface ListenAddress {
  host: string;
  port: number;
}

export class HttpServer {
  readonly app: TemplatedApp;
  private listenSocket: us_listen_socket | null = null;
  private bound: ListenAddress | null = null;

  constructor(
    private readonly uws: UwsModule,
    private readonly address: ListenAddress,
    private readonly log: Logger,
  ) {
    this.app = uws.App();
  }

  /** The address actually bound (port 0 resolved), once listening. */
  get boundAddress(): ListenAddress | null {
    return this.bound;
  }

  get url(): string | null {
    if (!this.bound) return null;
    const host = this.bound.host.includes(':') ? `[${this.bound.host}]` : this.bound.host;
    return `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${this.bound.port}/`;
  }

  start(): Promise<ListenAddress> {
    const { host, port } = this.address;
    return new Promise((resolve, reject) => {
      this.app.listen(host, port, (socket) => {
        if (!socket) {
          reject(new Error(`cannot listen on ${host}:${port} (address in use or not available)`));
          return;
        }
        this.listenSocket = socket;
        this.bound = { host, port: this.uws.us_socket_local_port(socket) };
        this.log.info({ host, port: this.bound.port, url: this.url }, 'listening');
        resolve(this.bound);
      });
    });
  }

  /** Stops accepting connections; open ones stay until their owners close them. */
  stopListening(): void {
    if (this.listenSocket) this.uws.us_listen_socket_close(this.listenSocket);
    this.listenSocket = null;
  }

  stop(): void {
    this.stopListening();
  }
}
