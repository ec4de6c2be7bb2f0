import { randomUUID } from 'node:crypto';
import { type Clock, systemClock, WeComChannelError } from '../common';
import {
  type Account,
  type AddressedActivity,
  ActivityTypes,
  type CoreAccount,
  type CoreActivity,
  type CoreConversation,
  type NamedConversation,
  WECOM_CHANNEL_ID,
} from './activity';

/**
 * Where the activities the channel raises itself get their `id` and `timestamp`. Injected, so the
 * engine's rules stay free of `Date.now()` and randomness (tests pass a `ManualClock` and a counter).
 *
 * @example
 * let n = 0;
 * const stamp: ActivityStamp = { clock: new ManualClock(Date.UTC(2026, 0, 1)), newId: () => `ev-${++n}` };
 */
export interface ActivityStamp {
  readonly clock: Clock;
  readonly newId: () => string;
}

/** Production's stamp: the system clock and random UUIDs (what botbuilder's `EventFactory` uses). */
export const systemStamp: ActivityStamp = { clock: systemClock, newId: () => randomUUID() };

/**
 * The `id` and `timestamp` of a new activity, from `stamp`.
 *
 * @example
 * stampOf({ clock: new ManualClock(Date.UTC(2026, 0, 1)), newId: () => 'ev-1' })
 * // { id: 'ev-1', timestamp: 2026-01-01T00:00:00.000Z }
 */
export function stampOf(stamp: ActivityStamp): { id: string; timestamp: Date } {
  return { id: stamp.newId(), timestamp: new Date(stamp.clock.now()) };
}

/** An event the channel was asked to raise cannot be addressed (no conversation id): a programming error, never retried. */
export class ChannelEventError extends WeComChannelError {
  override readonly name = 'ChannelEventError' as const;
  readonly code = 'channel_event_invalid' as const;

  override get final(): boolean {
    return true;
  }
}

/** The bare fields of an event the channel raises, before it is addressed. */
export interface BareEvent {
  type: string;
  name?: string;
  value?: unknown;
  id: string;
  timestamp: Date;
  conversation?: CoreConversation;
}

/** Who an event is addressed from and to when its source turn does not say. */
export interface AddressFallback {
  /** The corp: `tenantId`, `serviceUrl` `wecom://<corpId>`, and the corp account `{ id: corpId, name: 'wecom' }`. */
  readonly corpId?: string;
  /** `channelData` when the source has none. Default `{ corpId }`. */
  readonly channelData?: object;
}

/**
 * `event` addressed like the turn `source` (its conversation, from, recipient, serviceUrl, locale
 * and channelData), with what is missing filled so the activity passes the Agents SDK's
 * validation and `AgentApplication`'s state keys (non-empty `channelId`, `from.id`,
 * `recipient.id`, `conversation.id`): a missing account is the corp's `{ id: corpId, name: 'wecom' }`,
 * an unnamed conversation is named by its id. Builds new plain objects: never spreads `source`
 * (an Agents SDK `Activity`'s `channelId` is an accessor).
 *
 * @example
 * addressLike(handoffStatusActivity(turn.activity.conversation, 'accepted', undefined, systemStamp), turn.activity)
 * // { type: 'event', name: 'handoff.status', value: { state: 'accepted' }, channelId: 'wecom',
 * //   from: <the customer>, recipient: <the kf account>, conversation: { id: 'ww1:wk1:wm1', name: 'ww1:wk1:wm1', … }, … }
 */
export function addressLike<E extends BareEvent>(event: E, source?: CoreActivity, fallback: AddressFallback = {}): Omit<E, keyof AddressedActivity> & AddressedActivity {
  const conversation = namedConversation(event.conversation ?? source?.conversation, fallback.corpId);
  const corpId = nonEmpty(fallback.corpId, conversation.tenantId, corpOfChannelData(source?.channelData)) ?? conversation.id;
  const corp: Account = { id: corpId, name: 'wecom' };
  const channelData = isObject(source?.channelData) ? source.channelData : (fallback.channelData ?? { corpId });
  const locale = nonEmpty(source?.locale);
  return {
    ...event,
    channelId: WECOM_CHANNEL_ID,
    serviceUrl: nonEmpty(source?.serviceUrl) ?? `wecom://${corpId}`,
    ...(locale === undefined ? {} : { locale }),
    conversation,
    from: account(source?.from) ?? corp,
    recipient: account(source?.recipient) ?? corp,
    channelData,
  };
}

/** What {@link channelEventActivity} needs: the event, and where it goes. */
export interface ChannelEventInit extends AddressFallback {
  /** The event's name, e.g. `wecom.licenceStatus`. */
  readonly name: string;
  readonly value?: unknown;
  /** The turn the event follows; it is addressed like it. */
  readonly source?: CoreActivity;
  /** The conversation, when not the source's: a corp-wide event uses `{ id: corpId, tenantId: corpId, … }`. */
  readonly conversation?: CoreConversation;
  readonly stamp: ActivityStamp;
}

/**
 * An `event` activity the channel raises itself (licence status, welcome overflow, handoff
 * status), complete enough for both frameworks: `channelId`, `serviceUrl`, `from`, `recipient`,
 * a named conversation, `id` and `timestamp` from the injected stamp.
 *
 * @example
 * // The corp-wide licence event: no source turn, so from and recipient are the corp.
 * channelEventActivity({ name: 'wecom.licenceStatus', value: { corpId, from, to, valid }, stamp,
 *   conversation: { id: corpId, isGroup: false, conversationType: 'corp', tenantId: corpId } })
 * // { type: 'event', name: 'wecom.licenceStatus', id: '…', timestamp: Date, channelId: 'wecom', serviceUrl: 'wecom://ww1',
 * //   from: { id: 'ww1', name: 'wecom' }, recipient: { id: 'ww1', name: 'wecom' }, conversation: { id: 'ww1', name: 'ww1', … },
 * //   channelData: { corpId: 'ww1' }, value: … }
 */
export function channelEventActivity(init: ChannelEventInit): AddressedActivity {
  const { name, value, source, conversation, stamp } = init;
  const event: BareEvent = { type: ActivityTypes.Event, name, value, ...stampOf(stamp), ...(conversation ? { conversation } : {}) };
  return addressLike(event, source, init);
}

/** The conversation with a name and the fields both frameworks want; an id is required. */
function namedConversation(c: CoreConversation | undefined, corpId: string | undefined): NamedConversation {
  const id = nonEmpty(c?.id);
  if (id === undefined) throw new ChannelEventError('a channel event needs a conversation id: none was given and the source activity has none');
  const tenantId = nonEmpty(c?.tenantId, corpId);
  return {
    id,
    name: nonEmpty(c?.name) ?? id,
    isGroup: c?.isGroup ?? false,
    conversationType: nonEmpty(c?.conversationType) ?? 'personal',
    ...(tenantId === undefined ? {} : { tenantId }),
  };
}

/** A copy of an account with an id, as a new plain object; undefined when it has none. */
function account(a: CoreAccount | undefined): Account | undefined {
  const id = nonEmpty(a?.id);
  if (id === undefined || a === undefined) return undefined;
  const role = nonEmpty(a.role);
  return { id, name: a.name ?? '', ...(role === undefined ? {} : { role }), ...(a.properties === undefined ? {} : { properties: a.properties }) };
}

function corpOfChannelData(channelData: unknown): string | undefined {
  return isObject(channelData) ? nonEmpty((channelData as { corpId?: unknown }).corpId) : undefined;
}

/**
 * The first candidate that is a non-empty string: where WeCom may send `''`, and the Agents SDK
 * refuses empty strings, this picks the stand-in.
 *
 * @example
 * nonEmpty(msg.open_kfid, corpId) // the kf account, else the corp
 */
export function nonEmpty(...candidates: unknown[]): string | undefined {
  for (const c of candidates) if (typeof c === 'string' && c !== '') return c;
  return undefined;
}

const isObject = (v: unknown): v is object => typeof v === 'object' && v !== null;
