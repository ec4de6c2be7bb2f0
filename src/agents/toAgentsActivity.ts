import { Activity, type ConversationReference } from '@microsoft/agents-activity';
import { type InboundCoreActivity, WECOM_CHANNEL_ID } from '../core';
import { AgentsActivityRefusedError } from './agentsErrors';

/** Strings the Agents SDK accepts empty (`text`, an account's `name`); every other `''` is refused by its validation. */
const EMPTY_ALLOWED_TOP = new Set(['text']);
const EMPTY_ALLOWED_ACCOUNT = new Set(['name']);

type Plain = Record<string, unknown>;

/**
 * The Agents SDK `Activity` for a turn the core built: what `new TurnContext(adapter, activity)` needs.
 *
 * The SDK validates every activity (`Activity.fromObject`, zod) and refuses an empty string in most
 * fields, and its `AgentApplication` keys state by `from.id`, `recipient.id`, `conversation.id` and
 * `channelId`. So optional strings that are `''` are left out, and a missing `from.id` or
 * `recipient.id` is filled from the channel data (the customer, else the corp; the kf account,
 * else the corp). Only new plain objects are built: the input is never changed.
 *
 * @example
 * const activity = toAgentsActivity(inbound); // an agents Activity; activity.channelId === 'wecom'
 * @throws AgentsActivityRefusedError (final) when the SDK still refuses it: the inbox keeps the
 *   message as refused instead of retrying a turn that cannot succeed
 */
export function toAgentsActivity(inbound: InboundCoreActivity): Activity {
  const source = inbound as unknown as Plain;
  const plain: Plain = {};
  for (const [key, value] of Object.entries(source)) {
    if (value === undefined || (value === '' && !EMPTY_ALLOWED_TOP.has(key))) continue;
    plain[key] = value;
  }
  const data = isPlain(inbound.channelData) ? inbound.channelData : {};
  const corpId = text(data.corpId) ?? text(inbound.conversation?.tenantId);
  const recipient = account(inbound.recipient) ?? {};
  recipient.id ??= text(data.openKfId) ?? corpId;
  const from = account(inbound.from) ?? {};
  from.id ??= text(data.externalUserId) ?? text(data.servicerUserId) ?? corpId ?? text(recipient.id);
  plain.recipient = recipient;
  plain.from = from;
  if (isPlain(inbound.conversation)) plain.conversation = withoutEmpty(inbound.conversation, new Set());
  for (const key of ['membersAdded', 'membersRemoved'] as const) {
    const members = source[key];
    if (Array.isArray(members)) plain[key] = members.map((m) => account(m) ?? m);
  }
  if (Array.isArray(inbound.attachments)) plain.attachments = inbound.attachments.map((a) => (isPlain(a) ? withoutEmpty(a, new Set()) : a));
  try {
    return Activity.fromObject(plain);
  } catch (e) {
    throw new AgentsActivityRefusedError(text(inbound.id) ?? '', text(inbound.conversation?.id) ?? '', issuesOf(e), { cause: e });
  }
}

/**
 * The event a proactive turn runs on (`continueConversation`): the SDK's continuation activity
 * (`event` named `ContinueConversation`) for `reference`, with the same care as
 * {@link toAgentsActivity}: no empty strings, `channelId` `wecom` when the reference has none, and
 * the customer and kf account (`parties`, from the conversation id) when it names no user or agent,
 * so replies have an address.
 *
 * @example
 * continuationActivity({ conversation: { id: 'ww1:wk1:wm1' } }, { user: 'wm1', agent: 'wk1' }).recipient // { id: 'wk1' }
 * @throws AgentsActivityRefusedError when the SDK refuses it (no conversation id, for instance)
 */
export function continuationActivity(reference: Partial<ConversationReference>, parties: { user?: string; agent?: string } = {}): Activity {
  const source = reference as Plain;
  const plain: Plain = {};
  for (const [key, value] of Object.entries(source)) {
    if (value === undefined || value === '') continue;
    plain[key] = isPlain(value) && !(value instanceof Date) ? withoutEmpty(value, key === 'conversation' ? new Set() : EMPTY_ALLOWED_ACCOUNT) : value;
  }
  plain.channelId ??= WECOM_CHANNEL_ID;
  const user = (plain.user as Plain | undefined) ?? {};
  user.id ??= parties.user;
  const agent = (plain.agent as Plain | undefined) ?? {};
  agent.id ??= parties.agent;
  if (user.id !== undefined) plain.user = user;
  if (agent.id !== undefined) plain.agent = agent;
  const conversation = isPlain(plain.conversation) ? plain.conversation : {};
  try {
    return Activity.getContinuationActivity(plain as Partial<ConversationReference> as ConversationReference);
  } catch (e) {
    throw new AgentsActivityRefusedError(text(reference.activityId) ?? '', text(conversation.id) ?? '', issuesOf(e), { cause: e });
  }
}

/** An account without its empty strings (a new object), or undefined when there is none. */
function account(value: unknown): Plain | undefined {
  return isPlain(value) ? withoutEmpty(value, EMPTY_ALLOWED_ACCOUNT) : undefined;
}

function withoutEmpty(value: object, allowed: ReadonlySet<string>): Plain {
  const out: Plain = {};
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined || (v === '' && !allowed.has(key))) continue;
    out[key] = v;
  }
  return out;
}

/** A non-empty string, or undefined. */
function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function isPlain(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** zod's findings as `path: message` lines; any other failure as its message. */
/** Whether `e` is the Agents SDK's validation error (zod's, with its `issues`). */
export function isValidationError(e: unknown): boolean {
  return e instanceof Error && e.name === 'ZodError' && Array.isArray((e as Error & { issues?: unknown }).issues);
}

/** A validation error's findings as `path: message` (its message when it has none). */
export function issuesOf(e: unknown): string[] {
  const issues = isPlain(e) && Array.isArray(e.issues) ? (e.issues as unknown[]) : undefined;
  if (issues) {
    return issues.map((issue) => {
      const i = isPlain(issue) ? issue : {};
      const path = Array.isArray(i.path) && i.path.length > 0 ? i.path.join('.') : '(activity)';
      return `${path}: ${typeof i.message === 'string' ? i.message : 'invalid'}`;
    });
  }
  return [e instanceof Error ? e.message : String(e)];
}
