/**
 * The provider instruction URL (`/api/wecom/suite`): WeCom counts an instruction as delivered only
 * when the literal `success` comes back within 1000 ms, so the answer goes first and every slow
 * step (exchanging an auth code, get_auth_info) runs after, in {@link SuiteInstructions}.
 */
import type { Request, Response } from 'restify';
import type { Logger } from '../common/logger';
import type { SuiteInstructions } from '../provider';
import { callbackErrorStatus, readRawBody, type SuiteCallbacks } from '../wecom';

/** What the instruction route needs in provider mode. */
export interface ProviderRouteOptions {
  readonly callbacks: SuiteCallbacks;
  readonly instructions: SuiteInstructions;
}

/**
 * A restify handler for GET (URL check) and POST (instructions) of the instruction URL.
 *
 * @example
 * const route = suiteInstructionRoute({ callbacks, instructions }, logger);
 * server.get('/api/wecom/suite', route);
 * server.post('/api/wecom/suite', route);
 */
export function suiteInstructionRoute(o: ProviderRouteOptions, logger: Logger): (req: Request, res: Response) => Promise<void> {
  return async (req, res) => {
    let answer: string;
    let accept: (() => void) | undefined;
    try {
      const body = req.method === 'POST' ? await readRawBody(req) : undefined;
      const query = new URL(req.url ?? '/', 'http://callback.invalid').searchParams;
      const result = o.callbacks.openInstruction({ method: req.method, query, body });
      answer = result.kind === 'url_verification' ? result.echo : 'success';
      if (result.kind === 'instruction') accept = () => o.instructions.accept(result.event);
    } catch (e) {
      const status = callbackErrorStatus(e);
      logger[status >= 500 ? 'error' : 'warn']({ err: e, status, method: req.method }, 'instruction callback refused');
      res.statusCode = status;
      res.setHeader('content-type', 'text/plain; charset=utf-8');
      res.end(status >= 500 ? 'internal error' : (e as Error).message);
      return;
    }
    res.statusCode = 200;
    res.setHeader('content-type', 'text/plain; charset=utf-8');
    res.end(answer);
    accept?.();
  };
}
