import { z } from 'zod';
import { qrSvg } from '../../channels';
import type { InstallLinkResult } from '../../provider';
import { HttpProblem, sendJson } from '../httpJson';
import type { AdminApi } from './adminApi';

/** Makes an install link (provider mode); undefined in self-built mode. */
export type InstallLinkMaker = (o: { redirectUri: string; state?: string; authType?: 0 | 1 }) => Promise<InstallLinkResult>;

const installBody = z.object({
  redirectUri: z.url({ protocol: /^https?$/, error: 'redirectUri must be an http(s) URL on the suite\'s install domain' }),
  state: z.string().regex(/^[a-zA-Z0-9]{0,128}$/, 'state is letters and digits, at most 128 of them').optional(),
  test: z.boolean().optional(),
}).strict();

/** `POST /admin/v1/install-links`: a company's admin opens the link (or scans its QR code) to install the app. */
export function registerInstallRoutes(api: AdminApi, installLink: InstallLinkMaker | undefined): void {
  api.route({
    method: 'POST', path: '/admin/v1/install-links', tag: 'corps', body: installBody, success: { status: 201 },
    summary: 'Provider mode: an install link (and its QR code as SVG) for a company\'s admin; one install, 20 minutes. `test: true` for an unlisted suite',
    handler: async ({ res, body }) => {
      if (!installLink) throw new HttpProblem(409, 'provider_mode_only', 'install links exist in provider mode only', 'set WECOM_SUITE_ID, WECOM_SUITE_SECRET, WECOM_SUITE_TOKEN, WECOM_SUITE_ENCODING_AES_KEY and WECOM_SECRET_KEY');
      const link = await installLink({ redirectUri: body.redirectUri, state: body.state, authType: body.test ? 1 : 0 });
      sendJson(res, 201, { url: link.url, expiresInSeconds: link.expiresInSeconds, qrSvg: await qrSvg(link.url) });
    },
  });
}
