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

/** Auth codes are opaque printable ASCII; anything else is not WeCom's. */
const AUTH_CODE = /^[\x21-\x7e]{1,512}$/;

/**
 * The install's `redirect_uri` (`GET /api/wecom/suite/installed?auth_code=…&state=…`): the admin's
 * browser lands here after agreeing. The code is exchanged once, whether this or `create_auth`
 * brings it first; the admin sees a short page saying so.
 *
 * @example
 * server.get('/api/wecom/suite/installed', installRedirectRoute(instructions, logger));
 */
export function installRedirectRoute(instructions: SuiteInstructions, logger: Logger): (req: Request, res: Response) => Promise<void> {
  return async (req, res) => {
    const code = new URL(req.url ?? '/', 'http://redirect.invalid').searchParams.get('auth_code') ?? '';
    if (!AUTH_CODE.test(code)) return sendPage(res, 400, 'This link is incomplete', 'It carries no authorisation code. Open the install link from the provider again.');
    try {
      const result = await instructions.acceptRedirect(code);
      logger.info({ result }, 'install redirect received');
      sendPage(res, 200, 'The app is installed', 'Your organisation authorised the app; it is being set up now. You can close this page and authorise the Customer Service Accounts it should serve in the WeCom admin console.');
    } catch (e) {
      logger.error({ err: e }, 'install redirect could not be recorded');
      sendPage(res, 503, 'Please try again', 'The authorisation could not be recorded just now. Reload this page in a minute; the code stays valid for 10 minutes.');
    }
  };
}

function sendPage(res: Response, status: number, title: string, text: string): void {
  res.statusCode = status;
  res.setHeader('content-type', 'text/html; charset=utf-8');
  res.setHeader('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'");
  // Fixed texts only: nothing from the request is echoed into the page.
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title></head>`
    + `<body style="font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#1a1a1a"><main><h1>${title}</h1><p>${text}</p></main></body></html>`);
}
