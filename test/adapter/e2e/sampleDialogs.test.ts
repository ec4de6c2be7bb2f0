/**
 * Bots written as Microsoft's BotBuilder-Samples 02 (echo-bot), 05 (multi-turn-prompt) and 43
 * (complex-dialog) are, step for step, with their texts, prompts, validators, state and
 * `onTurnError` — nothing adapted to WeChat (no list style, no locale). Each runs over the emulator
 * through `WeComAdapter` and a customer plays the whole flow as on WeChat: typing answers, sending
 * a photo. What the customer sees is asserted, and WeCom refuses nothing.
 */
import {
  ActivityHandler, type Attachment, ConversationState, MemoryStorage, MessageFactory, type StatePropertyAccessor, type TurnContext, UserState,
} from 'botbuilder';
import {
  AttachmentPrompt, ChoiceFactory, ChoicePrompt, ComponentDialog, ConfirmPrompt, DialogSet, type DialogState, type DialogTurnResult, DialogTurnStatus,
  type FoundChoice, NumberPrompt, type PromptValidatorContext, TextPrompt, WaterfallDialog, type WaterfallStepContext,
} from 'botbuilder-dialogs';
import { Channels } from 'botbuilder-core';
import type { SimulatedCustomer } from '../../../src/sandbox/emulator';
import { WeComAdapter } from '../../../src/botbuilder';
import { makeMedia } from '../../../bench/middleware/fixtures/mediaFiles';
import { adapterRig, type AdapterRig } from '../../support/adapterRig';
import { realMedia, settle, shown } from '../../support/e2e';

/** Every API call WeCom answered with an error (95001 reply limit, 95002 window, 95018, 40058 bad field, …). */
const refusals = (rig: AdapterRig): unknown[] => rig.emu.calls.filter((c) => c.errcode !== null && c.errcode !== 0);

/** What the samples' index.js shows a user when a turn fails. */
const SAMPLE_ERRORS = /The bot encountered an error or bug|To continue to run this bot|Sorry, it looks like something went wrong/;

/**
 * The samples' `onTurnError` (index.js), unchanged but for `console.error`, which records the error
 * so that a failing test says what went wrong.
 */
function sampleOnTurnError(errors: unknown[], conversationState?: ConversationState) {
  return async (context: TurnContext, error: Error): Promise<void> => {
    errors.push(error);
    await context.sendTraceActivity('OnTurnError Trace', `${error}`, 'https://www.botframework.com/schemas/error', 'TurnError');
    await context.sendActivity('The bot encountered an error or bug.');
    await context.sendActivity('To continue to run this bot, please fix the bot source code.');
    if (conversationState) await conversationState.delete(context);
  };
}

// ── sample 02: echo-bot ──────────────────────────────────────────────────────────────────────

class EchoBot extends ActivityHandler {
  constructor() {
    super();
    this.onMessage(async (context, next) => {
      const replyText = `Echo: ${context.activity.text}`;
      await context.sendActivity(MessageFactory.text(replyText, replyText));
      await next();
    });
    this.onMembersAdded(async (context, next) => {
      const membersAdded = context.activity.membersAdded ?? [];
      const welcomeText = 'Hello and welcome!';
      for (let cnt = 0; cnt < membersAdded.length; ++cnt) {
        if (membersAdded[cnt]!.id !== context.activity.recipient.id) {
          await context.sendActivity(MessageFactory.text(welcomeText, welcomeText));
        }
      }
      await next();
    });
  }
}

// ── the DialogBot of samples 05 and 43 ───────────────────────────────────────────────────────

interface RunnableDialog {
  run(context: TurnContext, accessor: StatePropertyAccessor<DialogState>): Promise<void>;
}

class DialogBot extends ActivityHandler {
  protected readonly dialogState: StatePropertyAccessor<DialogState>;

  constructor(protected readonly conversationState: ConversationState, protected readonly userState: UserState, protected readonly dialog: RunnableDialog) {
    super();
    this.dialogState = this.conversationState.createProperty('DialogState');
    this.onMessage(async (context, next) => {
      await this.dialog.run(context, this.dialogState);
      await next();
    });
  }

  override async run(context: TurnContext): Promise<void> {
    await super.run(context);
    await this.conversationState.saveChanges(context, false);
    await this.userState.saveChanges(context, false);
  }
}

/** The `run` both samples' main dialogs share. */
async function runDialog(dialog: ComponentDialog, turnContext: TurnContext, accessor: StatePropertyAccessor<DialogState>): Promise<void> {
  const dialogSet = new DialogSet(accessor);
  dialogSet.add(dialog);
  const dialogContext = await dialogSet.createContext(turnContext);
  const results = await dialogContext.continueDialog();
  if (results.status === DialogTurnStatus.empty) await dialogContext.beginDialog(dialog.id);
}

// ── sample 05: multi-turn-prompt ─────────────────────────────────────────────────────────────

/** The sample's UserProfile, and the shape of its waterfall's `step.values`. */
interface UserProfile05 {
  transport?: string;
  name?: string;
  age?: number;
  picture?: Attachment;
}
type Values05 = UserProfile05;

class UserProfileDialog extends ComponentDialog implements RunnableDialog {
  private readonly userProfile: StatePropertyAccessor<UserProfile05>;

  constructor(userState: UserState) {
    super('userProfileDialog');
    this.userProfile = userState.createProperty('USER_PROFILE');
    this.addDialog(new TextPrompt('NAME_PROMPT'));
    this.addDialog(new ChoicePrompt('CHOICE_PROMPT'));
    this.addDialog(new ConfirmPrompt('CONFIRM_PROMPT'));
    this.addDialog(new NumberPrompt('NUMBER_PROMPT', this.agePromptValidator));
    this.addDialog(new AttachmentPrompt('ATTACHMENT_PROMPT', this.picturePromptValidator));
    this.addDialog(new WaterfallDialog('WATERFALL_DIALOG', [
      this.transportStep.bind(this),
      this.nameStep.bind(this),
      this.nameConfirmStep.bind(this),
      this.ageStep.bind(this),
      this.pictureStep.bind(this),
      this.summaryStep.bind(this),
      this.confirmStep.bind(this),
    ]));
    this.initialDialogId = 'WATERFALL_DIALOG';
  }

  async run(turnContext: TurnContext, accessor: StatePropertyAccessor<DialogState>): Promise<void> {
    await runDialog(this, turnContext, accessor);
  }

  private async transportStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    return step.prompt('CHOICE_PROMPT', { prompt: 'Please enter your mode of transport.', choices: ChoiceFactory.toChoices(['Car', 'Bus', 'Bicycle']) });
  }

  private async nameStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    (step.values as Values05).transport = (step.result as FoundChoice).value;
    return step.prompt('NAME_PROMPT', 'Please enter your name.');
  }

  private async nameConfirmStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    (step.values as Values05).name = step.result as string;
    await step.context.sendActivity(`Thanks ${step.result as string}.`);
    return step.prompt('CONFIRM_PROMPT', 'Do you want to give your age?', ['yes', 'no']);
  }

  private async ageStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    if (step.result) {
      const promptOptions = { prompt: 'Please enter your age.', retryPrompt: 'The value entered must be greater than 0 and less than 150.' };
      return step.prompt('NUMBER_PROMPT', promptOptions);
    }
    return step.next(-1);
  }

  private async pictureStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    (step.values as Values05).age = step.result as number;
    const msg = (step.values as Values05).age === -1 ? 'No age given.' : `I have your age as ${(step.values as Values05).age}.`;
    await step.context.sendActivity(msg);
    if (step.context.activity.channelId === Channels.Msteams) {
      await step.context.sendActivity('Skipping attachment prompt in Teams channel...');
      return step.next(undefined);
    }
    const promptOptions = { prompt: 'Please attach a profile picture (or type any message to skip).', retryPrompt: 'The attachment must be a jpeg/png image file.' };
    return step.prompt('ATTACHMENT_PROMPT', promptOptions);
  }

  private async confirmStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    let msg = 'Thanks.';
    if (step.result) msg += ' Your profile saved successfully.';
    else msg += ' Your profile will not be kept.';
    await step.context.sendActivity(msg);
    return step.endDialog();
  }

  private async summaryStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const result = step.result as Attachment[] | undefined;
    (step.values as Values05).picture = result && result[0];
    const userProfile = await this.userProfile.get(step.context, {});
    userProfile.transport = (step.values as Values05).transport;
    userProfile.name = (step.values as Values05).name;
    userProfile.age = (step.values as Values05).age;
    userProfile.picture = (step.values as Values05).picture;
    let msg = `I have your mode of transport as ${userProfile.transport} and your name as ${userProfile.name}`;
    if (userProfile.age !== -1) msg += ` and your age as ${userProfile.age}`;
    msg += '.';
    await step.context.sendActivity(msg);
    if (userProfile.picture) {
      try {
        await step.context.sendActivity(MessageFactory.attachment(userProfile.picture, 'This is your profile picture.'));
      } catch {
        await step.context.sendActivity('A profile picture was saved but could not be displayed here.');
      }
    }
    return step.prompt('CONFIRM_PROMPT', { prompt: 'Is this okay?' });
  }

  private async agePromptValidator(promptContext: PromptValidatorContext<number>): Promise<boolean> {
    return promptContext.recognized.succeeded && promptContext.recognized.value! > 0 && promptContext.recognized.value! < 150;
  }

  private async picturePromptValidator(promptContext: PromptValidatorContext<Attachment[]>): Promise<boolean> {
    if (promptContext.recognized.succeeded) {
      const attachments = promptContext.recognized.value!;
      const validImages: Attachment[] = [];
      attachments.forEach((attachment) => {
        if (attachment.contentType === 'image/jpeg' || attachment.contentType === 'image/png') validImages.push(attachment);
      });
      promptContext.recognized.value = validImages;
      return !!validImages.length;
    }
    await promptContext.context.sendActivity('No attachments received. Proceeding without a profile picture...');
    return true;
  }
}

// ── sample 43: complex-dialog ────────────────────────────────────────────────────────────────

interface UserProfile43 {
  name?: string;
  age?: number;
  companiesToReview: string[];
}

class ReviewSelectionDialog extends ComponentDialog {
  private readonly doneOption = 'done';
  private readonly companiesSelected = 'value-companiesSelected';
  private readonly companyOptions = ['Adatum Corporation', 'Contoso Suites', 'Graphic Design Institute', 'Wide World Importers'];

  constructor() {
    super('REVIEW_SELECTION_DIALOG');
    this.addDialog(new ChoicePrompt('CHOICE_PROMPT'));
    this.addDialog(new WaterfallDialog('WATERFALL_DIALOG', [this.selectionStep.bind(this), this.loopStep.bind(this)]));
    this.initialDialogId = 'WATERFALL_DIALOG';
  }

  private async selectionStep(stepContext: WaterfallStepContext): Promise<DialogTurnResult> {
    const list: string[] = Array.isArray(stepContext.options) ? (stepContext.options as string[]) : [];
    (stepContext.values as Record<string, unknown>)[this.companiesSelected] = list;
    let message: string;
    if (list.length === 0) message = `Please choose a company to review, or \`${this.doneOption}\` to finish.`;
    else message = `You have selected **${list[0]}**. You can review an additional company, or choose \`${this.doneOption}\` to finish.`;
    const options = list.length > 0 ? this.companyOptions.filter((item) => item !== list[0]) : this.companyOptions.slice();
    options.push(this.doneOption);
    return stepContext.prompt('CHOICE_PROMPT', { prompt: message, retryPrompt: 'Please choose an option from the list.', choices: options });
  }

  private async loopStep(stepContext: WaterfallStepContext): Promise<DialogTurnResult> {
    const list = (stepContext.values as Record<string, unknown>)[this.companiesSelected] as string[];
    const choice = stepContext.result as FoundChoice;
    const done = choice.value === this.doneOption;
    if (!done) list.push(choice.value);
    if (done || list.length > 1) return stepContext.endDialog(list);
    return stepContext.replaceDialog(this.initialDialogId!, list);
  }
}

class TopLevelDialog extends ComponentDialog {
  constructor() {
    super('TOP_LEVEL_DIALOG');
    this.addDialog(new TextPrompt('TEXT_PROMPT'));
    this.addDialog(new NumberPrompt('NUMBER_PROMPT'));
    this.addDialog(new ReviewSelectionDialog());
    this.addDialog(new WaterfallDialog('WATERFALL_DIALOG', [
      this.nameStep.bind(this),
      this.ageStep.bind(this),
      this.startSelectionStep.bind(this),
      this.acknowledgementStep.bind(this),
    ]));
    this.initialDialogId = 'WATERFALL_DIALOG';
  }

  private async nameStep(stepContext: WaterfallStepContext): Promise<DialogTurnResult> {
    (stepContext.values as { userInfo: UserProfile43 }).userInfo = { companiesToReview: [] };
    return stepContext.prompt('TEXT_PROMPT', { prompt: 'Please enter your name.' });
  }

  private async ageStep(stepContext: WaterfallStepContext): Promise<DialogTurnResult> {
    (stepContext.values as { userInfo: UserProfile43 }).userInfo.name = stepContext.result as string;
    return stepContext.prompt('NUMBER_PROMPT', { prompt: 'Please enter your age.' });
  }

  private async startSelectionStep(stepContext: WaterfallStepContext): Promise<DialogTurnResult> {
    (stepContext.values as { userInfo: UserProfile43 }).userInfo.age = stepContext.result as number;
    if ((stepContext.result as number) < 25) {
      await stepContext.context.sendActivity('You must be 25 or older to participate.');
      return stepContext.next();
    }
    return stepContext.beginDialog('REVIEW_SELECTION_DIALOG');
  }

  private async acknowledgementStep(stepContext: WaterfallStepContext): Promise<DialogTurnResult> {
    const userProfile = (stepContext.values as { userInfo: UserProfile43 }).userInfo;
    userProfile.companiesToReview = (stepContext.result as string[] | undefined) || [];
    await stepContext.context.sendActivity(`Thanks for participating ${userProfile.name}`);
    return stepContext.endDialog(userProfile);
  }
}

class MainDialog43 extends ComponentDialog implements RunnableDialog {
  private readonly userProfileAccessor: StatePropertyAccessor<UserProfile43>;

  constructor(userState: UserState) {
    super('MAIN_DIALOG');
    this.userProfileAccessor = userState.createProperty('USER_PROFILE_PROPERTY');
    this.addDialog(new TopLevelDialog());
    this.addDialog(new WaterfallDialog('WATERFALL_DIALOG', [this.initialStep.bind(this), this.finalStep.bind(this)]));
    this.initialDialogId = 'WATERFALL_DIALOG';
  }

  async run(turnContext: TurnContext, accessor: StatePropertyAccessor<DialogState>): Promise<void> {
    await runDialog(this, turnContext, accessor);
  }

  private async initialStep(stepContext: WaterfallStepContext): Promise<DialogTurnResult> {
    return stepContext.beginDialog('TOP_LEVEL_DIALOG');
  }

  private async finalStep(stepContext: WaterfallStepContext): Promise<DialogTurnResult> {
    const userInfo = stepContext.result as UserProfile43;
    const status = 'You are signed up to review ' + (userInfo.companiesToReview.length === 0 ? 'no companies' : userInfo.companiesToReview.join(' and ')) + '.';
    await stepContext.context.sendActivity(status);
    await this.userProfileAccessor.set(stepContext.context, userInfo);
    return stepContext.endDialog();
  }
}

class DialogAndWelcomeBot extends DialogBot {
  constructor(conversationState: ConversationState, userState: UserState, dialog: RunnableDialog) {
    super(conversationState, userState, dialog);
    this.onMembersAdded(async (context, next) => {
      const membersAdded = context.activity.membersAdded ?? [];
      for (let cnt = 0; cnt < membersAdded.length; cnt++) {
        if (membersAdded[cnt]!.id !== context.activity.recipient.id) {
          const reply = `Welcome to Complex Dialog Bot ${membersAdded[cnt]!.name}. This bot provides a complex conversation, with multiple dialogs. Type anything to get started.`;
          await context.sendActivity(reply);
        }
      }
      await next();
    });
  }
}

// ── the flows ────────────────────────────────────────────────────────────────────────────────

describe('BotBuilder samples 02, 05 and 43, unchanged, over WeChat', () => {
  let rig: AdapterRig;
  let customer: SimulatedCustomer;
  let errors: unknown[];
  afterEach(async () => rig?.close());

  /** The customer's messages seen since `from`, as text. */
  const seenSince = (from: number): string[] => customer.received().slice(from).map(shown);

  /** Sends what the customer types and returns what they saw in answer. */
  async function say(text: string): Promise<string[]> {
    const before = customer.received().length;
    await settle(rig, customer.sendText(text));
    return seenSince(before);
  }

  async function start(bot: ActivityHandler, conversationState?: ConversationState, nickname = 'Ada'): Promise<void> {
    errors = [];
    rig = await adapterRig({ adapterClass: WeComAdapter, bot: (ctx) => bot.run(ctx) });
    rig.adapter.onTurnError = sampleOnTurnError(errors, conversationState);
    customer = rig.emu.customer(rig.corp.corpId, rig.kf, undefined, { nickname });
  }

  function expectCleanRun(): void {
    expect(errors).toEqual([]);
    expect(customer.received().map(shown).filter((t) => SAMPLE_ERRORS.test(t))).toEqual([]);
    expect(refusals(rig)).toEqual([]);
  }

  it('02 echo-bot: the welcome arrives on entering, and every message comes back verbatim', async () => {
    await start(new EchoBot());
    await settle(rig, customer.enterSession());
    expect(customer.received().map((m) => [m.via, shown(m)])).toEqual([['send_msg_on_event', 'Hello and welcome!']]);

    expect(await say('hello 你好 <b>')).toEqual(['Echo: hello 你好 <b>']);
    expect(await say('2*3*4 snake_case_id https://example.com/a_b')).toEqual(['Echo: 2*3*4 snake_case_id https://example.com/a_b']);
    expect(await say('[微笑] 👍')).toEqual(['Echo: [微笑] 👍']); // WeChat writes its own emoji as [name]
    expectCleanRun();
  });

  it('05 multi-turn-prompt: transport, name, age (with a retry), a photo that comes back, and the summary', async () => {
    const memoryStorage = new MemoryStorage();
    const conversationState = new ConversationState(memoryStorage);
    const userState = new UserState(memoryStorage);
    await start(new DialogBot(conversationState, userState, new UserProfileDialog(userState)), conversationState);

    // The customer opens the chat from the kf link: the sample has no welcome, so nothing is sent.
    await settle(rig, customer.enterSession());
    expect(customer.received()).toEqual([]);
    expect(await say('hi')).toEqual(['Please enter your mode of transport. (1) Car, (2) Bus, or (3) Bicycle']);
    expect(await say('Bus')).toEqual(['Please enter your name.']);
    expect(await say('Ada')).toEqual(['Thanks Ada.', 'Do you want to give your age? (1) Yes or (2) No']);
    expect(await say('yes')).toEqual(['Please enter your age.']);
    expect(await say('200')).toEqual(['The value entered must be greater than 0 and less than 150.']);
    expect(await say('36')).toEqual(['I have your age as 36.', 'Please attach a profile picture (or type any message to skip).']);

    // A PDF is no picture: the sample's validator asks again.
    let before = customer.received().length;
    await settle(rig, customer.sendFile(realMedia.pdf, 'cv.pdf'));
    expect(seenSince(before)).toEqual(['The attachment must be a jpeg/png image file.']);

    // A photo from the phone's album (WeChat sends JPEG): the sample echoes it back as "your profile picture".
    const photo = makeMedia('jpg', 40_000);
    before = customer.received().length;
    await settle(rig, customer.sendImage(photo, 'me.jpg'));
    const summary = customer.received().slice(before);
    expect(summary.map(shown)).toEqual([
      'I have your mode of transport as Bus and your name as Ada and your age as 36.',
      'This is your profile picture.',
      '[image]',
      'Is this okay? (1) Yes or (2) No',
    ]);
    const image = summary[2]!.payload as { media_id: string };
    expect(rig.emu.media(rig.corp.corpId, image.media_id)?.bytes).toEqual(photo);

    expect(await say('yes')).toEqual(['Thanks. Your profile saved successfully.']);
    expectCleanRun();
  });

  it('05 multi-turn-prompt: answering by number, declining the age and skipping the photo with a text', async () => {
    const memoryStorage = new MemoryStorage();
    const conversationState = new ConversationState(memoryStorage);
    const userState = new UserState(memoryStorage);
    await start(new DialogBot(conversationState, userState, new UserProfileDialog(userState)), conversationState);

    expect(await say('你好')).toEqual(['Please enter your mode of transport. (1) Car, (2) Bus, or (3) Bicycle']);
    expect(await say('scooter')).toEqual(['Please enter your mode of transport. (1) Car, (2) Bus, or (3) Bicycle']);
    expect(await say('3')).toEqual(['Please enter your name.']);
    expect(await say('小明')).toEqual(['Thanks 小明.', 'Do you want to give your age? (1) Yes or (2) No']);
    expect(await say('2')).toEqual(['No age given.', 'Please attach a profile picture (or type any message to skip).']);
    expect(await say('skip')).toEqual([
      'No attachments received. Proceeding without a profile picture...',
      'I have your mode of transport as Bicycle and your name as 小明.',
      'Is this okay? (1) Yes or (2) No',
    ]);
    expect(await say('no')).toEqual(['Thanks. Your profile will not be kept.']);
    // The dialog is over: the next message starts it again.
    expect(await say('hi')).toEqual(['Please enter your mode of transport. (1) Car, (2) Bus, or (3) Bicycle']);
    expectCleanRun();
  });

  it('05 multi-turn-prompt: two answers typed before the bot replies are both answered, in order, and the dialog stays right', async () => {
    const memoryStorage = new MemoryStorage();
    const conversationState = new ConversationState(memoryStorage);
    const userState = new UserState(memoryStorage);
    await start(new DialogBot(conversationState, userState, new UserProfileDialog(userState)), conversationState);

    expect(await say('hi')).toEqual(['Please enter your mode of transport. (1) Car, (2) Bus, or (3) Bicycle']);
    expect(await say('car')).toEqual(['Please enter your name.']);
    // Both land in WeCom before the adapter pulls: one backlog, one 5-reply quota for both turns.
    await settle(rig, customer.sendText('Ada'), customer.sendText('yes'));
    expect(seenSince(2)).toEqual(['Thanks Ada.', 'Do you want to give your age? (1) Yes or (2) No', 'Please enter your age.']);
    expect(await say('36')).toEqual(['I have your age as 36.', 'Please attach a profile picture (or type any message to skip).']);
    expect(await say('no thanks')).toEqual([
      'No attachments received. Proceeding without a profile picture...',
      'I have your mode of transport as Car and your name as Ada and your age as 36.',
      'Is this okay? (1) Yes or (2) No',
    ]);
    expect(await say('yes')).toEqual(['Thanks. Your profile saved successfully.']);
    expectCleanRun();
  });

  it('05 multi-turn-prompt: three answers typed before the bot replies; the replies that do not fit are held back and the dialog still ends right', async () => {
    const memoryStorage = new MemoryStorage();
    const conversationState = new ConversationState(memoryStorage);
    const userState = new UserState(memoryStorage);
    await start(new DialogBot(conversationState, userState, new UserProfileDialog(userState)), conversationState);

    await say('hi');
    await say('car');
    await say('Ada');
    expect(await say('yes')).toEqual(['Please enter your age.']);
    const before = customer.received().length;
    // One backlog: the turns of "36" and "no" share the newest message's 5 replies and leave 2 to it.
    await settle(rig, customer.sendText('36'), customer.sendText('no'), customer.sendText('yes'));
    // "36" takes 2 replies, "no" 1 more (its summary and question are held back: 2 are kept for "yes").
    expect(seenSince(before)).toEqual([
      'I have your age as 36.',
      'Please attach a profile picture (or type any message to skip).',
      'No attachments received. Proceeding without a profile picture...',
      'Thanks. Your profile saved successfully.',
    ]);
    expect(await say('hello again')).toEqual(['Please enter your mode of transport. (1) Car, (2) Bus, or (3) Bicycle']);
    expectCleanRun();
  });

  it('43 complex-dialog: opening the chat again before ever writing (no welcome code) holds the welcome back quietly', async () => {
    const memoryStorage = new MemoryStorage();
    const conversationState = new ConversationState(memoryStorage);
    const userState = new UserState(memoryStorage);
    await start(new DialogAndWelcomeBot(conversationState, userState, new MainDialog43(userState)), conversationState);

    await settle(rig, customer.enterSession());
    expect(customer.received()).toHaveLength(1); // the welcome, with the code
    rig.clock.advance(60_000);
    await settle(rig, customer.enterSession()); // no code within 48 h of a welcome, and the customer never wrote
    expect(customer.received()).toHaveLength(1);
    expect(await say('hi')).toEqual(['Please enter your name.']);
    expectCleanRun();
  });

  it('43 complex-dialog: the welcome names the customer; name, age, two companies, and the sign-up', async () => {
    const memoryStorage = new MemoryStorage();
    const conversationState = new ConversationState(memoryStorage);
    const userState = new UserState(memoryStorage);
    await start(new DialogAndWelcomeBot(conversationState, userState, new MainDialog43(userState)), conversationState, '小红');

    await settle(rig, customer.enterSession());
    expect(customer.received().map((m) => [m.via, shown(m)])).toEqual([[
      'send_msg_on_event',
      'Welcome to Complex Dialog Bot 小红. This bot provides a complex conversation, with multiple dialogs. Type anything to get started.',
    ]]);

    expect(await say('hi')).toEqual(['Please enter your name.']);
    expect(await say('Ada')).toEqual(['Please enter your age.']);
    expect(await say('36')).toEqual([
      'Please choose a company to review, or done to finish.\n\n' +
        '1. Adatum Corporation\n2. Contoso Suites\n3. Graphic Design Institute\n4. Wide World Importers\n5. done',
    ]);
    expect(await say('contoso suites')).toEqual([
      'You have selected Contoso Suites. You can review an additional company, or choose done to finish.\n\n' +
        '1. Adatum Corporation\n2. Graphic Design Institute\n3. Wide World Importers\n4. done',
    ]);
    expect(await say('pizza')).toEqual([expect.stringMatching(/^Please choose an option from the list\./)]);
    expect(await say('3')).toEqual(['Thanks for participating Ada', 'You are signed up to review Contoso Suites and Wide World Importers.']);
    expectCleanRun();
  });

  it('43 complex-dialog: the customer leaves the chat mid-dialog and opens it again; the dialog goes on where it was', async () => {
    const memoryStorage = new MemoryStorage();
    const conversationState = new ConversationState(memoryStorage);
    const userState = new UserState(memoryStorage);
    await start(new DialogAndWelcomeBot(conversationState, userState, new MainDialog43(userState)), conversationState);

    await settle(rig, customer.enterSession());
    expect(await say('hello')).toEqual(['Please enter your name.']);
    // No welcome code this time (WeCom gives one only after 48 h without an exchange): the sample's
    // welcome goes out as an ordinary reply within the window the customer opened.
    rig.clock.advance(10 * 60_000);
    const before = customer.received().length;
    await settle(rig, customer.enterSession());
    expect(customer.received().slice(before).map((m) => [m.via, shown(m)])).toEqual([['send_msg', expect.stringMatching(/^Welcome to Complex Dialog Bot Ada\./)]]);
    expect(await say('Bob')).toEqual(['Please enter your age.']);
    expect(await say('25')).toEqual([expect.stringMatching(/^Please choose a company to review/)]);
    expect(await say('Adatum Corporation')).toEqual([expect.stringMatching(/^You have selected Adatum Corporation\./)]);
    expect(await say('done')).toEqual(['Thanks for participating Bob', 'You are signed up to review Adatum Corporation.']);
    expectCleanRun();
  });

  it('43 complex-dialog: too young to participate, and "done" straight away', async () => {
    const memoryStorage = new MemoryStorage();
    const conversationState = new ConversationState(memoryStorage);
    const userState = new UserState(memoryStorage);
    await start(new DialogAndWelcomeBot(conversationState, userState, new MainDialog43(userState)), conversationState);

    expect(await say('hello')).toEqual(['Please enter your name.']);
    expect(await say('Bob')).toEqual(['Please enter your age.']);
    expect(await say('not telling')).toEqual(['Please enter your age.']);
    expect(await say('20')).toEqual(['You must be 25 or older to participate.', 'Thanks for participating Bob', 'You are signed up to review no companies.']);

    expect(await say('again')).toEqual(['Please enter your name.']);
    expect(await say('Bob')).toEqual(['Please enter your age.']);
    expect(await say('30')).toEqual([expect.stringMatching(/^Please choose a company to review/)]);
    expect(await say('done')).toEqual(['Thanks for participating Bob', 'You are signed up to review no companies.']);
    expectCleanRun();
  });
});
