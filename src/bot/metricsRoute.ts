import type { Request, Response, Server } from 'restify';
import type { Logger } from '../common/logger';
import { bearerMatches, sendJson } from './httpJson';
import type { AppMetrics } from './metrics';

export interface MetricsRouteOptions {
  readonly metrics: AppMetrics;
  readonly logger: Logger;
  /** `METRICS_TOKEN`: when set, a scrape must send `Authorization: Bearer <token>`; unset, `/metrics` is open like `/healthz`. */
  readonly token?: string;
}

/** `GET /metrics`: the Prometheus text exposition of the app's metrics. */
export function registerMetricsRoute(server: Server, o: MetricsRouteOptions): void {
  server.get('/metrics', async (req: Request, res: Response) => {
    if (o.token && !bearerMatches(req, o.token)) {
      sendJson(res, 401, { error: { code: 'unauthorized', message: 'missing or wrong bearer token: send Authorization: Bearer <METRICS_TOKEN>' } });
      return;
    }
    try {
      const body = await o.metrics.render();
      res.statusCode = 200;
      res.setHeader('Content-Type', o.metrics.contentType);
      res.end(body);
    } catch (e) {
      o.logger.error({ err: e }, 'metrics: rendering failed');
      sendJson(res, 500, { error: { code: 'internal', message: 'metrics could not be rendered; see the server log' } });
    }
  });
}
