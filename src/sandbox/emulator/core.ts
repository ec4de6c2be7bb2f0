/** What the HTTP handlers and the simulated people share: the world, the clock, the switches and the services around them. */
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { Clock, Logger } from '../../common';
import type { AccessTokens, SyncTokens, TokenlessLimiter } from './auth';
import type { DeliveryReport } from './callbacks';
import type { Json } from './fields';
import type { MediaStore } from './media';
import type { EventCodeKind, ServiceState, SyncMessage, World } from './state';
import type { EmulatorSwitches } from './switches';
import { ids } from './ids';
import { codeTtlMs } from './rules';

/**
 * A message or event added to the sync_msg log.
 *
 * @example
 * const { msgid, delivery } = await customer.sendText('hi');
 * const report = await delivery; // { attempts: 1, statuses: [200], delivered: true }
 */
export interface Published {
  msgid: string;
  /** The sync token of the wake-up (valid 10 min), also when no callback URL is set. */
  syncToken: string;
  /** Resolves when the callback was delivered or given up; attempts 0 when the corp has no callback URL. */
  delivery: Promise<DeliveryReport>;
}

export interface EmulatorCore {
  readonly world: World;
  readonly clock: Clock;
  /** Read on every use, so `setSwitches` takes effect at once. */
  readonly switches: EmulatorSwitches;
  readonly tokens: AccessTokens;
  readonly syncTokens: SyncTokens;
  readonly limiter: TokenlessLimiter;
  readonly media: MediaStore;
  readonly logger: Logger;
  /** sync_msg calls in flight per corp (45033). */
  readonly inflightSync: Map<string, number>;
  /** Appends to the log and wakes the app up with a callback. */
  publish(corpId: string, message: SyncMessage): Published;
}

/** Issues a send_msg_on_event code (§7) and returns it. */
export function issueEventCode(core: EmulatorCore, kind: EventCodeKind, corpId: string, openKfid: string, externalUserId: string, issuedInState: ServiceState): string {
  const code = ids.eventCode();
  const ttl = kind === 'welcome' ? core.switches.welcomeCodeTtlSeconds * 1000 : codeTtlMs[kind];
  core.world.codes.set(code, { code, kind, corpId, openKfid, externalUserId, expiresAt: core.clock.now() + ttl, used: false, issuedInState });
  return code;
}

/** One HTTP call as a handler sees it. */
export interface RequestContext {
  core: EmulatorCore;
  query: URLSearchParams;
  /** The parsed JSON body ({} for GET and multipart). */
  body: Json;
  /** The caller's corp (from the access token); '' for gettoken. */
  corpId: string;
  /** Provider mode: the suite whose corp token was used (its kf account grants apply). */
  suiteId?: string;
  req: IncomingMessage;
  /** Emulator-clock ms at arrival. */
  now: number;
}

export type RouteResult =
  | { json: Json; logBody?: unknown }
  | { raw: { status: number; headers: Record<string, string | number>; body: Buffer }; logBody?: unknown }
  /** A body written as it is read, with backpressure (large synthetic media). */
  | { stream: { status: number; headers: Record<string, string | number>; body: Readable }; logBody?: unknown };

export interface Route {
  verbs: readonly ('GET' | 'POST')[];
  /** Needs `access_token`. */
  auth: boolean;
  /** How the body is read before `handle`: parsed JSON, left for the handler (multipart), or ignored. */
  body: 'json' | 'multipart' | 'none';
  handle(ctx: RequestContext): RouteResult | Promise<RouteResult>;
}
