/**
 * The channel's rules and hooks are written once, on the core's `CoreTurn`, and both frameworks take
 * them: botbuilder's `BotAdapter.use` and the Agents SDK's `BaseAdapter.use` accept the same rule
 * instances, the send hooks accept either framework's `TurnContext`, and `StoreStorage` is either
 * framework's `Storage`. The type-level part is checked by `npm run typecheck` (this file is in
 * tsconfig's `include`); the runtime part runs a rule through each framework's own middleware pipeline.
 */
import {
  type Activity as AgentsActivityType, Activity as AgentsActivity, type ConversationReference as AgentsReference,
} from '@microsoft/agents-activity';
import {
  type AttachmentData, type AttachmentInfo, BaseAdapter, type ResourceResponse as AgentsResourceResponse,
  type Storage as AgentsStorage, TurnContext as AgentsTurnContext,
} from '@microsoft/agents-hosting';
import {
  type Activity, BotAdapter, type ConversationReference, type ResourceResponse, type Storage as BotStorage, TurnContext,
} from 'botbuilder';
import { makeMedia } from '../../bench/middleware/fixtures/mediaFiles';
import { addSendHook, mediaHookOf, type SendHook, sendHooksOf, setMediaHook } from '../../src/adapter/sendHooks';
import { turnInfoOf } from '../../src/adapter/turnInfo';
import type { CoreTurn, TurnRule } from '../../src/core';
import type { LicensingService } from '../../src/licensing';
import { LicenceGate, MediaMiddleware, WindowMiddleware, type WindowRepository } from '../../src/middleware';
import { type Store, StoreStorage } from '../../src/store';

/** A botbuilder adapter that runs one activity through its middleware (what the botbuilder shell does). */
class BotbuilderHost extends BotAdapter {
  run(activity: Partial<Activity>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    return this.runMiddleware(new TurnContext(this, activity), logic);
  }
  override async sendActivities(_context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    return activities.map(() => ({ id: '' }));
  }
  override async updateActivity(): Promise<void> {}
  override async deleteActivity(): Promise<void> {}
  override async continueConversation(_reference: Partial<ConversationReference>): Promise<void> {}
}

/** An Agents SDK adapter that runs one activity through its middleware (what the Agents shell does). */
class AgentsHost extends BaseAdapter {
  run(activity: AgentsActivityType, logic: (context: AgentsTurnContext) => Promise<void>): Promise<void> {
    return this.runMiddleware(new AgentsTurnContext(this, activity), logic);
  }
  async sendActivities(_context: AgentsTurnContext, activities: AgentsActivityType[]): Promise<AgentsResourceResponse[]> {
    return activities.map(() => ({ id: '' }));
  }
  async updateActivity(): Promise<void> {}
  async deleteActivity(): Promise<void> {}
  async continueConversation(_id: unknown, _reference: Partial<AgentsReference>): Promise<void> {}
  async uploadAttachment(_c: AgentsTurnContext, _id: string, _d: AttachmentData): Promise<AgentsResourceResponse> {
    return { id: '' };
  }
  async getAttachmentInfo(): Promise<AttachmentInfo> {
    throw new Error('not used');
  }
  async getAttachment(): Promise<NodeJS.ReadableStream> {
    throw new Error('not used');
  }
}

/** Never called: what the compiler must accept (and refuse) for both frameworks. */
export function typeChecks(store: Store, licensing: LicensingService, windows: WindowRepository, bb: TurnContext, agents: AgentsTurnContext): void {
  const rules: TurnRule[] = [new LicenceGate(licensing), new MediaMiddleware(), new WindowMiddleware(windows)];
  // The same instances go to both frameworks' pipelines.
  new BotbuilderHost().use(...rules);
  new AgentsHost().use(...rules);
  new BotbuilderHost().use(new LicenceGate(licensing)).use(new MediaMiddleware()).use(new WindowMiddleware(windows));
  new AgentsHost().use(new LicenceGate(licensing)).use(new MediaMiddleware()).use(new WindowMiddleware(windows));

  // Both frameworks' contexts are core turns: hooks and turn info take either.
  const turns: CoreTurn[] = [bb, agents];
  const hook: SendHook = { beforeSend: async () => undefined };
  addSendHook(bb, hook);
  addSendHook(agents, hook);
  setMediaHook(agents, { checkOutbound: async () => ({ mediaType: 'file', contentType: 'application/pdf', filename: 'a.pdf' }) });
  turnInfoOf(agents, () => 'anchor');
  void sendHooksOf(bb).length;
  void turns;
  // A hook written against one framework's context still fits (hook members are methods).
  const botbuilderHook: SendHook = { beforeSend: async (context: TurnContext) => void context.activity.id };
  addSendHook(agents, botbuilderHook);

  // StoreStorage is either framework's Storage.
  const forBotbuilder: BotStorage = new StoreStorage(store);
  const forAgents: AgentsStorage = new StoreStorage(store);
  void forBotbuilder;
  void forAgents;

  // @ts-expect-error a turn needs its turn state: an activity alone is not a CoreTurn
  const notATurn: CoreTurn = { activity: { type: 'message' } };
  void notATurn;
}

describe('rules on CoreTurn in both frameworks', () => {
  // The licence gate installs a send hook; the media rule a media hook, and it checks inbound files.
  const media = new MediaMiddleware();
  const gate = new LicenceGate(async () => {
    throw new Error('not asked: no send happens in these turns');
  });
  const incoming = {
    type: 'message', id: 'msg1', channelId: 'wecom', serviceUrl: 'wecom://ww1', text: 'hello',
    conversation: { id: 'ww1:wk1:wm1', isGroup: false, conversationType: 'personal' },
    from: { id: 'wm1', name: 'customer' }, recipient: { id: 'wk1', name: 'kf' },
    // An executable named as a picture: the media rule replaces it by a rejected attachment.
    attachments: [{ contentType: 'image/png', contentUrl: `data:image/png;base64,${makeMedia('exe', 4096).toString('base64')}`, name: 'x.png' }],
    channelData: { corpId: 'ww1' },
  };

  it('botbuilder runs the same rule instances and the bot sees their hooks', async () => {
    const host = new BotbuilderHost().use(gate, media);
    let seen: { hooks: number; media: boolean; contentType?: string } | undefined;
    // botbuilder's type wants a conversation name it never reads.
    await host.run(incoming as Partial<Activity>, async (context) => {
      seen = { hooks: sendHooksOf(context).length, media: mediaHookOf(context) !== undefined, contentType: context.activity.attachments?.[0]?.contentType };
    });
    expect(seen).toEqual({ hooks: 1, media: true, contentType: 'application/vnd.wecom.rejected-attachment' });
  });

  it('the Agents SDK runs the same rule instances and the bot sees their hooks', async () => {
    const host = new AgentsHost().use(gate, media);
    let seen: { hooks: number; media: boolean; contentType?: string } | undefined;
    await host.run(AgentsActivity.fromObject(incoming), async (context) => {
      seen = { hooks: sendHooksOf(context).length, media: mediaHookOf(context) !== undefined, contentType: context.activity.attachments?.[0]?.contentType };
    });
    expect(seen).toEqual({ hooks: 1, media: true, contentType: 'application/vnd.wecom.rejected-attachment' });
  });
});
