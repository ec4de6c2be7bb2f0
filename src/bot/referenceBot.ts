import { ActivityHandler, type Attachment, EventFactory, type TurnContext } from 'botbuilder';

/** Words that ask for a person (product brief: "human" / "人工"). */
const HUMAN_REQUEST = /^\s*(human|agent|人工|转人工)\s*$/i;

/**
 * The reference bot that `npm start` runs: answers text with a reply that contains it, welcomes a
 * customer who opens the chat, describes attachments (or why one was refused), and hands off to a
 * human on "human" / "人工".
 *
 * @example
 * const bot = new ReferenceBot();
 * server.post('/api/wecom/callback', async (req, res) => adapter.process(req, res, (ctx) => bot.run(ctx)));
 */
export class ReferenceBot extends ActivityHandler {
  constructor() {
    super();
    this.onMessage(async (context, next) => {
      await this.answer(context);
      await next();
    });
    this.onMembersAdded(async (context, next) => {
      await context.sendActivity('Welcome! Ask me anything, or type "human" (人工) to talk to a person.');
      await next();
    });
    this.onEvent(async (context, next) => {
      const { name, value } = context.activity;
      if (name === 'handoff.status' && (value as { state?: string } | undefined)?.state === 'failed') {
        // The session stays with the bot: tell the customer rather than leave them waiting.
        await context.sendActivity('Sorry, no agent is available right now. I am still here to help.');
      }
      await next();
    });
  }

  private async answer(context: TurnContext): Promise<void> {
    const text = context.activity.text?.trim() ?? '';
    if (HUMAN_REQUEST.test(text)) {
      await context.sendActivity('Connecting you to a human agent…');
      await context.sendActivity(EventFactory.createHandoffInitiation(context, { reason: 'customer asked for a human' }));
      return;
    }
    const described = (context.activity.attachments ?? []).map(describeAttachment);
    if (described.length > 0) {
      await context.sendActivity(described.join('\n'));
      return;
    }
    await context.sendActivity(`You said: ${text}`);
  }
}

function describeAttachment(attachment: Attachment): string {
  if (attachment.contentType === 'application/vnd.wecom.rejected-attachment') {
    const reason = (attachment.content as { reason?: string } | undefined)?.reason ?? 'it breaks WeCom\'s media rules';
    return `I could not accept your file ${attachment.name ?? ''}: ${reason}.`.replace('  ', ' ');
  }
  return `Thanks, I received ${attachment.name ?? 'your attachment'} (${attachment.contentType}).`;
}
