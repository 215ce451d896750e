/**
 * The composition root: builds every component from the config, wires them,
 * and starts and stops them in order. No logic of its own beyond the order.
 */
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { Config } from './config/schema.js';
import type { Logger } from './logger.js';
import { loadUws, type UwsImplementation } from './uws.js';
import { StateStore } from './state.js';
import { Channel } from './channel.js';
import { HttpServer } from './server.js';
import { ApiRouter } from './http.js';
import { Security } from './security.js';
import { StaticFiles } from './static-files.js';
import { LoopMonitor } from './loop-monitor.js';
import { SystemMonitor } from './system-monitor.js';
import { SdNotify } from './sd-notify.js';
import { registerCoreApi, type Health } from './api.js';
import { GpsPublisher } from './gps-publisher.js';
import { TripDb } from './trips/trip-db.js';
import { TripRecorder } from './trips/trip-recorder.js';
import { registerTripsApi } from './trips/api.js';
import { ClockCheck } from './gps-clock.js';
import { GpioFeature } from './gpio/feature.js';
import { SafeShutdown, ShutdownHooks, resolveShutdownCommand } from './safe-shutdown.js';
import { EventMarks } from './event-marks.js';
import { EventMarker } from './event-marker.js';
import { registerEventsApi } from './events-api.js';
import { registerGpioDebugApi } from './gpio/debug-api.js';
import { createGpsDriver, createGpioDriver } from './devices.js';
import { DownloadManager } from '../geodata/manager.js';
import { registerDownloadsApi } from '../geodata/api.js';
import { downloadUserAgent } from './config/downloads-schema.js';
import { SyntheticTileSource } from '../geodata/synthetic-source.js';
import { TileService } from '../geodata/tile-service.js';
import { PROTOCOL_VERSION } from './protocol.js';
import { PACKAGE_ROOT, VERSION } from './version.js';

export interface Component {
  readonly name: string;
  start(): void | Promise<void>;
  stop(): void | Promise<void>;
}

export interface Daemon {
  readonly store: StateStore;
  readonly channel: Channel;
  readonly implementation: UwsImplementation;
  start(): Promise<{ url: string }>;
  /** Stops everything; resolves once clients are closed and components stopped. */
  stop(): Promise<void>;
}

export function createDaemon(config: Config, log: Logger, env: NodeJS.ProcessEnv = process.env): Daemon {
  const { uws, impl } = loadUws(env);
  const store = new StateStore();
  const loop = new LoopMonitor();
  const security = new Security({ token: config.server.token, allowedOrigins: config.server.allowedOrigins });
  const server = new HttpServer(uws, { host: config.server.host, port: config.server.port }, log.child({ module: 'server' }));
  const sd = new SdNotify(log.child({ module: 'systemd' }), env);
  let shuttingDown = false;

  const channel = new Channel(
    {
      version: VERSION,
      heartbeat: config.heartbeat,
      backpressure: config.backpressure,
      historySize: config.historySize,
      maxPayloadBytes: config.server.maxPayloadBytes,
      maxClients: config.server.maxClients,
      admit: (headers, query) => {
        if (!security.originAllowed(headers.origin, headers.host)) return { status: 403, reason: 'Forbidden origin' };
        if (!security.authorize(headers, query)) return { status: 401, reason: 'Unauthorized' };
        return null;
      },
    },
    store,
    log.child({ module: 'channel' }),
  );
  const router = new ApiRouter(server.app, {
    maxBodyBytes: config.server.maxBodyBytes,
    authorize: (headers, query) => security.authorize(headers, query),
    isShuttingDown: () => shuttingDown,
    log: log.child({ module: 'api' }),
  });
  const staticFiles = new StaticFiles(config.server.webRoot ?? join(PACKAGE_ROOT, 'web', 'dist'), log.child({ module: 'static' }));
  const system = new SystemMonitor({ intervalMs: config.system.intervalMs, dataDir: config.dataDir }, store, loop, log.child({ module: 'system' }));
  const clock = new ClockCheck(config.gps.clock, log.child({ module: 'clock' }));
  const gps = new GpsPublisher({ staleAfterMs: config.gps.staleAfterMs }, createGpsDriver(config, log), store, log.child({ module: 'gps' }), clock);
  const dl = config.downloads;
  const downloads = new DownloadManager(
    { dataDir: config.dataDir, parallelJobs: dl.parallelJobs, diskFloorBytes: dl.diskFloorBytes, diskCheckMs: dl.diskCheckMs, userAgent: downloadUserAgent(VERSION, dl.contact) },
    store,
    log.child({ module: 'downloads' }),
  );
  // Simulation mode offers a local synthetic tile source, so downloads work without a provider.
  const synthetic = config.simulate ? new SyntheticTileSource(log.child({ module: 'synthetic-tiles' })) : null;
  const tileSources = () => (synthetic?.source ? [...dl.sources, synthetic.source] : dl.sources);
  const tiles = new TileService(() => downloads.tilesets(), (h, q) => security.authorize(h, q), log.child({ module: 'tiles' }));
  const trips = new TripRecorder(config.gps.trips, new TripDb(join(config.dataDir, 'trips.sqlite')), store, log.child({ module: 'trips' }));
  // Components that must persist something before power-off register here (download jobs, databases).
  const shutdownHooks = new ShutdownHooks();
  shutdownHooks.register('trips', () => trips.flush());
  // Commits every finished tile and closes the job files before power-off.
  shutdownHooks.register('downloads', () => downloads.stop());
  const safeShutdown = new SafeShutdown(
    { command: resolveShutdownCommand(config.gpio.shutdownCommand, config.simulate) },
    shutdownHooks,
    store,
    log.child({ module: 'shutdown' }),
  );
  const marker = new EventMarker(new EventMarks(join(config.dataDir, 'events.sqlite')), store, shutdownHooks, log.child({ module: 'events' }));
  const gpioDriver = createGpioDriver(config, log);
  const gpio = new GpioFeature(
    { debounceMs: config.gpio.debounceMs, longPressMs: config.gpio.longPressMs, ignitionGraceMs: config.gpio.ignitionGraceMs },
    gpioDriver,
    store,
    marker,
    safeShutdown,
    log.child({ module: 'gpio' }),
  );

  const health = (): Health => {
    const mem = process.memoryUsage(); // one read: it walks the heap spaces
    return {
      status: 'ok',
      version: VERSION,
      protocol: PROTOCOL_VERSION,
      pid: process.pid,
      uptimeS: Math.round(process.uptime()),
      simulate: config.simulate,
      websocket: impl,
      clients: channel.clientCount,
      channel: { ...channel.stats },
      seq: store.seq,
      loopDelay: loop.read(),
      memory: { rssBytes: mem.rss, heapUsedBytes: mem.heapUsed, externalBytes: mem.external },
      systemd: { notify: sd.enabled },
      gpsClock: clock.status(),
    };
  };

  server.app.ws('/ws', channel.behavior());
  registerCoreApi(router, { health, store, testHooks: config.debug.testHooks, log: log.child({ module: 'api' }) });
  registerDownloadsApi(router, {
    manager: downloads,
    sources: tileSources,
    tileCap: dl.tileCap,
    avgTileBytes: dl.avgTileBytes,
    gpsFix: () => store.get('gps').fix,
  });
  registerTripsApi(router, trips);
  registerEventsApi(router, marker);
  registerGpioDebugApi(router, gpioDriver, { testHooks: config.debug.testHooks });
  router.notFoundFallback('/api');
  tiles.register(server.app);
  server.app.get('/*', (res, req) => staticFiles.handle(res, req));
  server.app.head('/*', (res, req) => staticFiles.handle(res, req));

  // Started in this order, stopped in reverse. The server listens last, so
  // nothing is served before state exists; channel closes clients first on stop.
  const components: Component[] = [
    { name: 'loop', start: () => loop.start(), stop: () => loop.stop() },
    { name: 'static', start: () => staticFiles.start(), stop: () => undefined },
    { name: 'system', start: () => system.start(), stop: () => system.stop() },
    { name: 'gps', start: () => gps.start(), stop: () => gps.stop() },
    { name: 'synthetic-tiles', start: () => synthetic?.start(), stop: () => synthetic?.stop() },
    { name: 'downloads', start: () => downloads.start(), stop: () => downloads.stop() },
    { name: 'tiles', start: () => undefined, stop: () => tiles.stop() },
    { name: 'trips', start: () => trips.start(), stop: () => trips.stop() },
    { name: 'events', start: () => marker.start(), stop: () => marker.stop() },
    { name: 'gpio', start: () => gpio.start(), stop: () => gpio.stop() },
    { name: 'channel', start: () => channel.start(), stop: () => channel.stop() },
  ];
  const started: Component[] = [];

  return {
    store,
    channel,
    implementation: impl,
    async start() {
      sd.start();
      log.info({ websocket: impl, node: process.version }, `uWebSockets.js ${impl.kind} ${impl.version} (${impl.binary})`);
      await mkdir(config.dataDir, { recursive: true });
      for (const c of components) {
        await c.start();
        started.push(c);
      }
      await server.start();
      const url = server.url ?? '';
      sd.ready(`listening on ${url}`);
      log.info({ url, version: VERSION, simulate: config.simulate, dataDir: config.dataDir }, `dashcamd ready at ${url}`);
      return { url };
    },
    async stop() {
      if (shuttingDown) return;
      shuttingDown = true;
      sd.stopping();
      server.stopListening();
      for (const c of started.reverse()) {
        try {
          await c.stop();
        } catch (err) {
          log.error({ err, component: c.name }, 'component failed to stop');
        }
      }
      server.stop();
      sd.stop();
    },
  };
}
