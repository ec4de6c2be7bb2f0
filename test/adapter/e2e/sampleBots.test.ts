/**
 * Bots shaped like Microsoft's BotBuilder-Samples 03 (welcome-users), 08 (suggested-actions) and
 * 06 (using-cards), over the emulator with WeChat's rules in force: a welcome turn reaches the
 * customer whole in the one message its welcome code allows, and a nine-card carousel reaches them
 * with the prompt after it, without a single refusal from WeCom.
 */
import { createServer, type Server } from 'node:http';
import {
  ActionTypes, ActivityHandler, AttachmentLayoutTypes, CardFactory, ConversationState, MemoryStorage, MessageFactory, type TurnContext, UserState,
} from 'botbuilder';
import { ChoicePrompt, ComponentDialog, DialogSet, type DialogState, type DialogTurnResult, DialogTurnStatus, type FoundChoice, WaterfallDialog, type WaterfallStepContext } from 'botbuilder-dialogs';
import type { Activity, AudioCard, ReceiptCard, StatePropertyAccessor } from 'botbuilder';
import type { SimulatedCustomer } from '../../../src/sandbox/emulator';
import type { KfMenuItemClick, KfMenuPayload } from '../../../src/wecom/kfMessages';
import { WeComAdapter } from '../../../src/botbuilder';
import { adapterRig, type AdapterRig } from '../../support/adapterRig';
import { realMedia, settle, shown } from '../../support/e2e';

/** Every call WeCom refused (95001 reply limit, 95002 window, 41050 spent code, …). */
const refusals = (rig: AdapterRig): unknown[] => rig.emu.calls.filter((c) => c.path.startsWith('kf/send_msg') && c.errcode !== 0);

// ── sample 03: welcome-users ─────────────────────────────────────────────────────────────────

const WELCOME_03 = [
  'Welcome to the \'Welcome User\' Bot. This bot will introduce you to welcoming and greeting users.',
  'You are seeing this message because the bot received at least one \'ConversationUpdate\' event, indicating you (and possibly others) ' +
    'joined the conversation. If you are using the emulator, pressing the \'Start Over\' button to trigger this event again. The specifics ' +
    'of the \'ConversationUpdate\' event depends on the channel. You can read more information at https://aka.ms/about-botframework-welcome-user',
  'It is a good pattern to use this event to send general greeting to user, explaining what your bot can do. In this example, the bot ' +
    'handles \'hello\', \'hi\', \'help\' and \'intro\'.',
  'Try it now, type \'hi\'',
];

class WelcomeBot extends ActivityHandler {
  private readonly welcomed: StatePropertyAccessor<boolean>;

  constructor(private readonly userState: UserState) {
    super();
    this.welcomed = userState.createProperty('welcomedUserProperty');
    this.onMessage(async (context, next) => {
      if (!(await this.welcomed.get(context, false))) {
        await context.sendActivity('You are seeing this message because this was your first message ever sent to this bot.');
        await context.sendActivity(`It is a good practice to welcome the user and provide personal greeting. For example, welcome ${context.activity.from.name}.`);
        await this.welcomed.set(context, true);
      } else if (['hello', 'hi'].includes(context.activity.text.toLowerCase())) {
        await context.sendActivity(`You said "${context.activity.text}"`);
      } else {
        await context.sendActivity('This is a simple Welcome Bot sample. You can say \'intro\' to see the introduction card.');
      }
      await next();
    });
    this.onMembersAdded(async (context, next) => {
      for (const member of context.activity.membersAdded ?? []) {
        if (member.id !== context.activity.recipient.id) {
          for (const text of WELCOME_03) await context.sendActivity(text);
        }
      }
      await next();
    });
  }

  override async run(context: TurnContext): Promise<void> {
    await super.run(context);
    await this.userState.saveChanges(context);
  }
}

// ── sample 08: suggested-actions ─────────────────────────────────────────────────────────────

class SuggestedActionsBot extends ActivityHandler {
  constructor() {
    super();
    this.onMembersAdded(async (context, next) => {
      for (const member of context.activity.membersAdded ?? []) {
        if (member.id !== context.activity.recipient.id) {
          await context.sendActivity(`Welcome to suggestedActionsBot ${member.name}. This bot will introduce you to suggestedActions. Please answer the question:`);
          await this.sendSuggestedActions(context);
        }
      }
      await next();
    });
    this.onMessage(async (context, next) => {
      const text = context.activity.text;
      await context.sendActivity(['Red', 'Yellow', 'Blue'].includes(text) ? `I agree, ${text} is the best color.` : 'Please select a color.');
      await this.sendSuggestedActions(context);
      await next();
    });
  }

  private async sendSuggestedActions(context: TurnContext): Promise<void> {
    const actions = ['Red', 'Yellow', 'Blue'].map((color) => ({ type: ActionTypes.ImBack, title: color, value: color }));
    await context.sendActivity(MessageFactory.suggestedActions(actions, 'What is your favorite color?'));
  }
}

// ── sample 06: using-cards ───────────────────────────────────────────────────────────────────

const ADAPTIVE_CARD = {
  $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', version: '1.0', type: 'AdaptiveCard',
  body: [
    { type: 'TextBlock', text: 'Passengers', weight: 'bolder' },
    { type: 'TextBlock', text: 'Sarah Hum', separator: true },
    { type: 'TextBlock', text: 'Jeremy Goldberg', spacing: 'none' },
    { type: 'TextBlock', text: 'Evan Litvak', spacing: 'none' },
    { type: 'TextBlock', text: '2 Stops', weight: 'bolder', spacing: 'medium' },
    { type: 'TextBlock', text: 'Fri, October 10 8:30 AM', weight: 'bolder', spacing: 'none' },
    { type: 'ColumnSet', separator: true, columns: [
      { type: 'Column', width: 1, items: [{ type: 'TextBlock', text: 'San Francisco', isSubtle: true }, { type: 'TextBlock', size: 'extraLarge', text: 'SFO' }] },
      { type: 'Column', width: 'auto', items: [{ type: 'TextBlock', text: ' ' }, { type: 'Image', url: 'http://adaptivecards.io/content/airplane.png', size: 'small' }] },
      { type: 'Column', width: 1, items: [{ type: 'TextBlock', text: 'Amsterdam', isSubtle: true }, { type: 'TextBlock', size: 'extraLarge', text: 'AMS' }] },
    ] },
    { type: 'TextBlock', text: 'Non-Stop', weight: 'bolder', spacing: 'medium' },
    { type: 'TextBlock', text: 'Fri, October 18 9:50 PM', weight: 'bolder', spacing: 'none' },
    { type: 'ColumnSet', spacing: 'medium', columns: [
      { type: 'Column', width: '1', items: [{ type: 'TextBlock', text: 'Total', size: 'medium', isSubtle: true }] },
      { type: 'Column', width: 1, items: [{ type: 'TextBlock', horizontalAlignment: 'right', text: '$4,032.54', size: 'medium', weight: 'bolder' }] },
    ] },
  ],
};

const CARD_NAMES = ['Adaptive Card', 'Animation Card', 'Audio Card', 'Hero Card', 'OAuth Card', 'Receipt Card', 'Signin Card', 'Thumbnail Card', 'Video Card', 'All Cards'];

/** The sample's cards; pictures and media on `media` (a loopback server standing in for the web). */
function cards(media: string): Activity['attachments'] {
  return [
    CardFactory.adaptiveCard(ADAPTIVE_CARD),
    CardFactory.animationCard('Microsoft Bot Framework', [{ url: `${media}/Ki55RUbOV5njy.gif` }], [], { subtitle: 'Animation Card' }),
    CardFactory.audioCard('I am your father', [`${media}/darthvader_yourfather.wav`],
      CardFactory.actions([{ type: 'openUrl', title: 'Read more', value: 'https://en.wikipedia.org/wiki/The_Empire_Strikes_Back' }]), {
        subtitle: 'Star Wars: Episode V - The Empire Strikes Back',
        text: 'The Empire Strikes Back (also known as Star Wars: Episode V – The Empire Strikes Back) is a 1980 American epic space opera film ' +
          'directed by Irvin Kershner. Leigh Brackett and Lawrence Kasdan wrote the screenplay, with George Lucas writing the film\'s story and ' +
          'serving as executive producer. The second installment in the original Star Wars trilogy, it was produced by Gary Kurtz for Lucasfilm ' +
          'Ltd. and stars Mark Hamill, Harrison Ford, Carrie Fisher, Billy Dee Williams, Anthony Daniels, David Prowse, Kenny Baker, Peter Mayhew and Frank Oz.',
        image: `${media}/SW_-_Empire_Strikes_Back.jpg`, // a string, as the sample (untyped JavaScript) passes it
      } as unknown as Partial<AudioCard>),
    CardFactory.heroCard('BotFramework Hero Card', CardFactory.images([`${media}/buildreactionbotframework_960.jpg`]),
      CardFactory.actions([{ type: 'openUrl', title: 'Get started', value: 'https://docs.microsoft.com/en-us/azure/bot-service/' }])),
    CardFactory.oauthCard('OAuth connection', 'Sign In', 'BotFramework OAuth Card'),
    CardFactory.receiptCard({
      title: 'John Doe',
      facts: [{ key: 'Order Number', value: '1234' }, { key: 'Payment Method', value: 'VISA 5555-****' }],
      items: [
        { title: 'Data Transfer', price: '$38.45', quantity: 368, image: { url: `${media}/traffic-manager.png` } },
        { title: 'App Service', price: '$45.00', quantity: 720, image: { url: `${media}/cloud-service.png` } },
      ],
      tax: '$7.50', total: '$90.95',
      buttons: CardFactory.actions([{ type: 'openUrl', title: 'More information', value: 'https://azure.microsoft.com/en-us/pricing/details/bot-service/' }]),
    } as unknown as ReceiptCard), // the sample's JavaScript leaves out fields the typings require
    CardFactory.signinCard('BotFramework Sign in Card', 'https://login.microsoftonline.com', 'Sign in'),
    CardFactory.thumbnailCard('BotFramework Thumbnail Card', [{ url: `${media}/buildreactionbotframework_960.jpg` }],
      [{ type: 'openUrl', title: 'Get started', value: 'https://docs.microsoft.com/en-us/azure/bot-service/' }], {
        subtitle: 'Your bots — wherever your users are talking.',
        text: 'Build and connect intelligent bots to interact with your users naturally wherever they are, from text/sms to Skype, Slack, Office 365 mail and other popular services.',
      }),
    CardFactory.videoCard('2018 Imagine Cup World Championship Intro', [{ url: `${media}/IC18WorldChampionshipIntro2.mp4` }],
      [{ type: 'openUrl', title: 'Lean More', value: 'https://channel9.msdn.com/Events/Imagine-Cup/World-Finals-2018/2018-Imagine-Cup-World-Championship-Intro' }], {
        subtitle: 'by Microsoft',
        text: 'Microsoft\'s Imagine Cup has empowered student developers around the world to create and innovate on the world stage for the past 16 years. These innovations will shape how we live, work and play.',
      }),
  ];
}

class MainDialog extends ComponentDialog {
  constructor(private readonly media: string) {
    super('MainDialog');
    this.addDialog(new ChoicePrompt('cardPrompt'));
    this.addDialog(new WaterfallDialog('mainWaterfallDialog', [this.choiceCardStep.bind(this), this.showCardStep.bind(this)]));
    this.initialDialogId = 'mainWaterfallDialog';
  }

  async run(context: TurnContext, accessor: StatePropertyAccessor<DialogState>): Promise<void> {
    const dialogSet = new DialogSet(accessor);
    dialogSet.add(this);
    const dc = await dialogSet.createContext(context);
    const results = await dc.continueDialog();
    if (results.status === DialogTurnStatus.empty) await dc.beginDialog(this.id);
  }

  private async choiceCardStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    return step.prompt('cardPrompt', {
      prompt: 'What card would you like to see? You can click or type the card name',
      retryPrompt: 'That was not a valid choice, please select a card or number from 1 to 10.',
      choices: CARD_NAMES,
    });
  }

  private async showCardStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const all = cards(this.media)!;
    const chosen = all[CARD_NAMES.indexOf((step.result as FoundChoice).value)];
    if (chosen) await step.context.sendActivity({ attachments: [chosen] });
    else await step.context.sendActivity({ attachments: all, attachmentLayout: AttachmentLayoutTypes.Carousel });
    await step.context.sendActivity('Type anything to see another card.');
    return step.endDialog();
  }
}

class DialogBot extends ActivityHandler {
  constructor(conversationState: ConversationState, userState: UserState, dialog: MainDialog) {
    super();
    const dialogState = conversationState.createProperty<DialogState>('DialogState');
    this.onMessage(async (context, next) => {
      await dialog.run(context, dialogState);
      await next();
    });
    this.onDialog(async (context, next) => {
      await conversationState.saveChanges(context, false);
      await userState.saveChanges(context, false);
      await next();
    });
  }
}

describe('BotBuilder samples over WeChat, within its rules', () => {
  let rig: AdapterRig;
  let customer: SimulatedCustomer;
  let mediaServer: Server | undefined;
  afterEach(async () => {
    await rig?.close();
    if (mediaServer) await new Promise((resolve) => mediaServer!.close(resolve));
    mediaServer = undefined;
  });

  it('03 welcome-users: the four welcome texts arrive together in the one welcome message, and the conversation goes on', async () => {
    const bot = new WelcomeBot(new UserState(new MemoryStorage()));
    rig = await adapterRig({ adapterClass: WeComAdapter, bot: (ctx) => bot.run(ctx) });
    customer = rig.emu.customer(rig.corp.corpId, rig.kf);

    await settle(rig, customer.enterSession());
    const welcome = customer.received();
    expect(welcome.map((m) => [m.via, m.msgtype])).toEqual([['send_msg_on_event', 'text']]);
    expect(shown(welcome[0]!)).toBe(WELCOME_03.join('\n\n'));

    await settle(rig, customer.sendText('hi'));
    await settle(rig, customer.sendText('hi'));
    expect(customer.received().slice(1).map(shown)).toEqual([
      'You are seeing this message because this was your first message ever sent to this bot.',
      expect.stringMatching(/^It is a good practice to welcome the user/),
      'You said "hi"',
    ]);
    expect(refusals(rig)).toEqual([]);
  });

  it('08 suggested-actions: the welcome text and the colour question arrive as one menu, and a tap is answered', async () => {
    const bot = new SuggestedActionsBot();
    rig = await adapterRig({ adapterClass: WeComAdapter, bot: (ctx) => bot.run(ctx) });
    customer = rig.emu.customer(rig.corp.corpId, rig.kf);

    await settle(rig, customer.enterSession());
    const welcome = customer.received();
    expect(welcome.map((m) => [m.via, m.msgtype])).toEqual([['send_msg_on_event', 'msgmenu']]);
    const menu = welcome[0]!.payload as KfMenuPayload;
    expect(menu.head_content).toMatch(/^Welcome to suggestedActionsBot .*Please answer the question:\n\nWhat is your favorite color\?$/s);
    const colors = menu.list as KfMenuItemClick[];
    expect(colors.map((i) => i.click.content)).toEqual(['Red', 'Yellow', 'Blue']);

    await settle(rig, customer.clickMenu(colors[0]!.click.id, colors[0]!.click.content));
    expect(customer.received().slice(1).map(shown)).toEqual(['I agree, Red is the best color.', 'What is your favorite color?']);
    expect(refusals(rig)).toEqual([]);
  });

  it('06 using-cards: "All Cards" brings all nine cards\' content and the line after them, and the next prompt follows', async () => {
    mediaServer = createServer((req, res) => {
      const body = /\.(jpg|png)$/.test(req.url ?? '') ? realMedia.png : /\.mp4$/.test(req.url ?? '') ? realMedia.mp4 : undefined;
      res.statusCode = body ? 200 : 404;
      res.end(body);
    });
    await new Promise<void>((resolve) => mediaServer!.listen(0, '127.0.0.1', resolve));
    const media = `http://127.0.0.1:${(mediaServer.address() as { port: number }).port}/media`;
    const storage = new MemoryStorage();
    const bot = new DialogBot(new ConversationState(storage), new UserState(storage), new MainDialog(media));
    rig = await adapterRig({ adapterClass: WeComAdapter, bot: (ctx) => bot.run(ctx) });
    customer = rig.emu.customer(rig.corp.corpId, rig.kf);

    await settle(rig, customer.sendText('hi'));
    expect(customer.received().map(shown)).toEqual([expect.stringMatching(/^What card would you like to see\?.*All Cards/s)]);

    await settle(rig, customer.sendText('All Cards'));
    const answer = customer.received().slice(1);
    expect(answer.length).toBeLessThanOrEqual(5);
    expect(answer.at(-1)!.payload).toEqual({ content: 'Type anything to see another card.' });
    const seen = answer.map(shown).join('\n');
    for (const content of [
      'Passengers', 'Sarah Hum', 'SFO', 'AMS', '$4,032.54', // adaptive
      'Microsoft Bot Framework', 'Animation Card', `${media}/Ki55RUbOV5njy.gif`, // animation
      'I am your father', 'Frank Oz', `${media}/darthvader_yourfather.wav`, 'Read more: https://en.wikipedia.org/wiki/The_Empire_Strikes_Back', // audio
      'BotFramework Hero Card', 'Get started: https://docs.microsoft.com/en-us/azure/bot-service/', // hero (and thumbnail)
      'BotFramework OAuth Card', // oauth
      'John Doe', 'Order Number: 1234', 'Data Transfer', 'App Service', 'Total: $90.95', 'More information: https://azure.microsoft.com/en-us/pricing/details/bot-service/', // receipt
      'Sign in', 'BotFramework Sign in Card: https://login.microsoftonline.com', // signin
      'BotFramework Thumbnail Card', 'Your bots — wherever your users are talking.', 'Office 365 mail and other popular services.', // thumbnail
      '2018 Imagine Cup World Championship Intro', `${media}/IC18WorldChampionshipIntro2.mp4`, 'how we live, work and play.', 'Lean More: https://channel9.msdn.com/', // video
    ]) expect(seen).toContain(content);

    await settle(rig, customer.sendText('another one'));
    expect(shown(customer.received().at(-1)!)).toMatch(/^What card would you like to see\?/);
    expect(refusals(rig)).toEqual([]);
  });
});
