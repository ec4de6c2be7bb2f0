import type { Server as NodeHttpServer } from 'node:http';
import restify, { type Request, type Response, type Server } from 'restify';
import type { TurnContext } from 'botbuilder';
import type { Logger } from '../common/logger';
import { type HttpServerLimits, readHttpLimits } from '../config';
import type { WeComAdapter } from '../botbuilder';
import type { SandboxWorld } from '../sandbox';
import { type AdminRoutesOptions, registerAdminRoutes } from './adminRoutes';
import { selfBuiltChannels } from './channelsWiring';
import { registerConsoleRoutes } from './console/consoleRoutes';
import { sendJson } from './httpJson';
import { type AppMetrics, createAppMetrics } from './metrics';
import { registerMetricsRoute } from './metricsRoute';
import { StoreHealthCache } from './storeHealth';
import { installRedirectRoute, type ProviderRouteOptions, suiteInstructionRoute } from './suiteRoute';

/** What runs a turn: an `ActivityHandler` or anything with `run(context)`. */
export interface Bot {
  run(context: TurnContext): Promise<void>;
}

export interface AppServerOptions {
  readonly adapter: WeComAdapter;
  readonly bot: Bot;
  readonly logger: Logger;
  readonly mode: string;
  readonly admin: Omit<AdminRoutesOptions, 'logger' | 'licensing' | 'store'>;
  /** Extra routes (the sandbox's). */
  readonly extraRoutes?: (server: Server) => void;
  /** Slow-client and connection limits (`HTTP_*`). Default: the variables' defaults. */
  readonly http?: HttpServerLimits;
  /** Whether the app finished starting (`/healthz` answers 503 until then). Default: once the adapter's store is open. */
  readonly isReady?: () => boolean;
  /** What `GET /metrics` serves. Default: metrics of `adapter` on a registry of this server's own. */
  readonly metrics?: AppMetrics;
  /** `METRICS_TOKEN`: a bearer token `/metrics` asks for. Default none: open, like `/healthz`. */
  readonly metricsToken?: string;
  /** Provider mode's instruction URL (`/api/wecom/suite`). Default none: it answers 501. */
  readonly provider?: ProviderRouteOptions;
  /** The sandbox's WeCom: the web console at `/` adds its customer view. */
  readonly sandbox?: SandboxWorld;
}

/**
 * The runnable app's HTTP server: WeCom callbacks, health, the admin API and (in the sandbox) the
 * simulated customers' routes. No body parser runs before the callback route: the crypto needs the
 * raw bytes.
 */
export function createAppServer(o: AppServerOptions): Server {
  const server = restify.createServer({ name: 'wecom-kf-botbuilder', handleUncaughtExceptions: false });
  applyHttpLimits(server, o.http ?? readHttpLimits({}));
  let storeOpen = false;
  o.adapter.ready().then(() => (storeOpen = true), (e: unknown) => o.logger.error({ err: e }, 'adapter failed to start'));
  const isReady = (): boolean => storeOpen && (o.isReady?.() ?? true);

  const callback = async (req: Request, res: Response): Promise<void> => {
    await o.adapter.process(req, res, (context) => o.bot.run(context));
  };
  server.get('/api/wecom/callback', callback);
  server.post('/api/wecom/callback', callback);

  const selfBuilt = async (_req: Request, res: Response): Promise<void> => {
    sendJson(res, 501, { error: { code: 'provider_mode_unavailable', message: 'provider (third-party suite) callbacks are not handled in self-built mode: set WECOM_SUITE_* to run provider mode' } });
  };
  const suite = o.provider ? suiteInstructionRoute(o.provider, o.logger) : selfBuilt;
  server.get('/api/wecom/suite', suite);
  server.post('/api/wecom/suite', suite);
  server.get('/api/wecom/suite/installed', o.provider ? installRedirectRoute(o.provider.instructions, o.logger) : selfBuilt);

  // Ready means started and the store can read and write now (503 `unhealthy` with the reason if not).
  const storeHealth = new StoreHealthCache(() => o.adapter.store(), o.logger);
  server.get('/healthz', async (_req: Request, res: Response) => {
    if (!isReady()) return sendJson(res, 503, { status: 'starting', mode: o.mode });
    const store = (await o.adapter.store()).kind;
    const { ok, reason, badLines } = await storeHealth.get();
    sendJson(res, ok ? 200 : 503, { status: ok ? 'ok' : 'unhealthy', mode: o.mode, store, ...(reason ? { reason } : {}), ...(badLines ? { badLines } : {}) });
  });

  registerAdminRoutes(server, {
    ...o.admin, logger: o.logger, licensing: () => o.adapter.licensing(), store: () => o.adapter.store(),
    channels: o.admin.channels ?? selfBuiltChannels(o.adapter),
  });
  const metrics = o.metrics ?? createAppMetrics(o.adapter, o.logger);
  if (!o.metrics) server.on('close', () => metrics.close());
  registerMetricsRoute(server, { metrics, logger: o.logger, token: o.metricsToken });
  o.extraRoutes?.(server);
  registerConsoleRoutes(server, { adapter: o.adapter, mode: o.mode, adminToken: o.admin.adminToken, testClock: o.admin.testClock, logger: o.logger, sandbox: o.sandbox });

  server.on('restifyError', (req: Request, _res: Response, err: Error & { statusCode?: number }, next: (e?: unknown) => void) => {
    o.logger.warn({ url: req.url, status: err.statusCode, err: err.message }, 'request refused');
    next();
  });
  return server;
}

/**
 * Guards the server against clients that hold connections without finishing a request (slowloris)
 * and against more connections than there are file descriptors: without these, 1500 slow-header
 * connections ran the process out of descriptors, and neither /healthz nor WeCom got an answer.
 */
function applyHttpLimits(server: Server, limits: HttpServerLimits): void {
  // restify makes a plain node:http server (no TLS or http2 options are given); the checking
  // interval is a createServer option that node reads from the server when listening starts.
  const http = server.server as NodeHttpServer & { connectionsCheckingInterval?: number };
  http.requestTimeout = limits.requestTimeoutMs;
  // Node wants the header deadline within the request's.
  http.headersTimeout = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  http.keepAliveTimeout = limits.keepAliveTimeoutMs;
  http.maxConnections = limits.maxConnections;
  // Node enforces both timeouts on this interval (default 30 s, read when listening starts): check
  // often enough that a slow client is dropped close to its deadline.
  http.connectionsCheckingInterval = Math.max(50, Math.min(1000, Math.floor(http.headersTimeout / 4)));
}
