import { WeComChannelError } from '../common/errors';

/** The three ids that name one customer's chat with one Customer Service Account (CSA). */
export interface ConversationParties {
  readonly corpId: string;
  readonly openKfId: string;
  readonly externalUserId: string;
}

/** A conversation id that is empty, has the wrong number of parts, or a bad escape. */
export class ConversationIdError extends WeComChannelError {
  override readonly name = 'ConversationIdError' as const;
  readonly code = 'conversation_id_invalid' as const;

  override get final(): boolean {
    return true;
  }

  constructor(
    readonly conversationId: string,
    readonly problem: string,
  ) {
    super(`Conversation id "${conversationId}" ${problem}. Use the conversation id of an activity this adapter delivered.`);
  }
}

// WeCom ids are [A-Za-z0-9_-@.], so normally nothing is escaped and the id stays readable
// ("ww1:wk1:wm1"). Escaping '%' and ':' anyway keeps every string reversible, so an odd id from
// WeCom can never be mistaken for a different conversation.
const escapePart = (part: string): string => part.replace(/%/g, '%25').replace(/:/g, '%3A');

function unescapePart(part: string, whole: string): string {
  if (/%(?!25|3A)/i.test(part)) throw new ConversationIdError(whole, 'has an unknown %-escape');
  return part.replace(/%3A/gi, ':').replace(/%25/g, '%');
}

function requireNonEmpty(value: string, field: string, whole: string): void {
  if (value === '') throw new ConversationIdError(whole, `has an empty ${field}`);
}

/**
 * The Bot Framework conversation id of a customer's chat with a CSA: `corpId:openKfId:externalUserId`.
 * Reversible with {@link parseConversationId}.
 *
 * @example
 * conversationIdOf({ corpId: 'ww1', openKfId: 'wk1', externalUserId: 'wm1' }) // 'ww1:wk1:wm1'
 */
export function conversationIdOf(parties: ConversationParties): string {
  const id = [parties.corpId, parties.openKfId, parties.externalUserId].map(escapePart).join(':');
  requireNonEmpty(parties.corpId, 'corp id', id);
  requireNonEmpty(parties.openKfId, 'open_kfid', id);
  requireNonEmpty(parties.externalUserId, 'external_userid', id);
  return id;
}

/**
 * The conversation of a CSA as a whole, for events that concern no single customer (a servicer's
 * status change). It has two parts, so {@link parseConversationId} refuses it: nobody can be
 * messaged there.
 *
 * @example
 * accountConversationIdOf({ corpId: 'ww1', openKfId: 'wk1' }) // 'ww1:wk1'
 */
export function accountConversationIdOf(parties: Pick<ConversationParties, 'corpId' | 'openKfId'>): string {
  const id = [parties.corpId, parties.openKfId].map(escapePart).join(':');
  requireNonEmpty(parties.corpId, 'corp id', id);
  requireNonEmpty(parties.openKfId, 'open_kfid', id);
  return id;
}

/**
 * The parties of a conversation id made by {@link conversationIdOf}.
 * Throws {@link ConversationIdError} (code `conversation_id_invalid`) on anything else.
 *
 * @example
 * parseConversationId('ww1:wk1:wm1') // { corpId: 'ww1', openKfId: 'wk1', externalUserId: 'wm1' }
 */
export function parseConversationId(id: string): ConversationParties {
  const parts = id.split(':');
  if (parts.length === 2) throw new ConversationIdError(id, 'names a customer service account, not a customer conversation');
  if (parts.length !== 3) throw new ConversationIdError(id, `has ${parts.length} part(s), expected corpId:openKfId:externalUserId`);
  const [corpId, openKfId, externalUserId] = parts.map((p) => unescapePart(p, id)) as [string, string, string];
  requireNonEmpty(corpId, 'corp id', id);
  requireNonEmpty(openKfId, 'open_kfid', id);
  requireNonEmpty(externalUserId, 'external_userid', id);
  return { corpId, openKfId, externalUserId };
}
