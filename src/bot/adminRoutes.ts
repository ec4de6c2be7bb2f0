import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Server } from 'restify';
import type { ChannelService } from '../channels';
import type { OffsetClock } from '../common/clock';
import type { Logger } from '../common/logger';
import type { LicensingService } from '../licensing';
import type { Store } from '../store';
import { AdminApi } from './admin/adminApi';
import { registerChannelRoutes } from './admin/channelRoutes';
import { registerCorpRoutes } from './admin/corpRoutes';
import { registerLicenceRoutes } from './admin/licenceRoutes';
import { openApiDocument } from './admin/openapi';
import { sendJson } from './httpJson';

export interface AdminRoutesOptions {
  /** Unset: every admin call is refused with a hint to set ADMIN_TOKEN. */
  readonly adminToken?: string;
  readonly licensing: () => Promise<LicensingService>;
  readonly store: () => Promise<Store>;
  /** Corps and channels. Default (given by the app server): self-built mode, the adapter's one corp. */
  readonly channels?: () => Promise<ChannelService>;
  /** Only with TEST_CLOCK=true: the clock the advance route moves. */
  readonly testClock?: OffsetClock;
  /** Runs after the test clock moved (licensing jobs, held messages). */
  readonly afterAdvance?: () => Promise<unknown>;
  readonly logger: Logger;
}

/**
 * `/admin/v1`: corps, channels, agents, chat links, licences, IM credits, conversation windows,
 * (TEST_CLOCK only) the test clock, and the OpenAPI document of them all. Every call needs
 * `Authorization: Bearer <ADMIN_TOKEN>`. Returns the router, whose `routes()` the document lists.
 */
export function registerAdminRoutes(server: Server, o: AdminRoutesOptions): AdminApi {
  const api = new AdminApi(server, { adminToken: o.adminToken, logger: o.logger });
  registerLicenceRoutes(api, o);
  if (o.channels) {
    registerCorpRoutes(api, { channels: o.channels, licensing: o.licensing });
    registerChannelRoutes(api, o.channels);
  }
  api.route({
    method: 'GET', path: '/admin/v1/openapi.json', tag: 'meta', summary: 'This document (OpenAPI 3.1)',
    handler: async ({ res }) => sendJson(res, 200, openApiDocument(api.routes(), packageVersion())),
  });
  return api;
}

let cachedVersion: string | undefined;
/** The package's version: package.json sits two folders up from both src/bot and dist/bot. */
function packageVersion(): string {
  cachedVersion ??= (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
  return cachedVersion;
}
