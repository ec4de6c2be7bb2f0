import type { CoreActivity } from '../core';

/** The fields of the raw kf message (`channelData.kf`) that the rules read. */
export interface KfFacts {
  readonly msgid: string;
  /** Unix seconds. */
  readonly send_time: number;
  /** When it was sent in ms on our clock, when the adapter says (a test clock may shift it from send_time). */
  readonly sentAt: number;
  /** 3 customer, 4 event, 5 human servicer. */
  readonly origin: number;
  readonly msgtype: string;
}

/**
 * The raw kf message the adapter put in `channelData.kf`, if the activity has one. Read defensively:
 * a developer's own activities (tests, proactive turns) have no such field.
 */
export function kfFactsOf(activity: CoreActivity): KfFacts | undefined {
  const channelData: unknown = activity.channelData;
  if (typeof channelData !== 'object' || channelData === null) return undefined;
  const kf: unknown = (channelData as { kf?: unknown }).kf;
  if (typeof kf !== 'object' || kf === null) return undefined;
  const { msgid, send_time, origin, msgtype } = kf as Record<string, unknown>;
  if (typeof msgid !== 'string' || typeof send_time !== 'number' || typeof origin !== 'number' || typeof msgtype !== 'string') return undefined;
  const sentAt = (channelData as { sentAt?: unknown }).sentAt;
  return { msgid, send_time, origin, msgtype, sentAt: typeof sentAt === 'number' ? sentAt : send_time * 1000 };
}

/**
 * The customer's own message in this activity (origin 3, not an event), or undefined. Only these
 * open a reply window: events, servicer messages and our own sends never do.
 *
 * @example
 * customerMessageOf(context.activity) // { msgid: 'msg1', send_time: 1767225600, origin: 3, msgtype: 'text' }
 */
export function customerMessageOf(activity: CoreActivity): KfFacts | undefined {
  const kf = kfFactsOf(activity);
  return kf && kf.origin === 3 && kf.msgtype !== 'event' ? kf : undefined;
}
