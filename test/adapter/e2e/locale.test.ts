/**
 * The activity's locale decides how botbuilder-dialogs prompts read and write: none is imposed, so
 * an English bot prompts and recognises in English; WECOM_LOCALE=zh-CN gives the Chinese behaviour.
 */
import { ActivityTypes, ConversationState, type TurnContext } from 'botbuilder';
import {
  ChoiceFactory, ChoicePrompt, ConfirmPrompt, DialogSet, type DialogState, DialogTurnStatus, type FoundChoice, WaterfallDialog,
} from 'botbuilder-dialogs';
import { StoreStorage } from '../../../src/store';
import { adapterRig, type AdapterRig } from '../../support/adapterRig';
import { settle, shown } from '../../support/e2e';

/** A travel bot in the style of BotBuilder-Samples 05: a ChoicePrompt, then a ConfirmPrompt, both with default styles. */
function travelBot(conversationState: ConversationState): (context: TurnContext) => Promise<void> {
  const dialogs = new DialogSet(conversationState.createProperty<DialogState>('dialogState'));
  dialogs.add(new ChoicePrompt('transport'));
  dialogs.add(new ConfirmPrompt('confirm'));
  dialogs.add(new WaterfallDialog('travel', [
    async (step) => step.prompt('transport', { prompt: 'How will you travel?', choices: ChoiceFactory.toChoices(['Car', 'Bus', 'Bicycle']) }),
    async (step) => {
      (step.values as { transport?: string }).transport = (step.result as FoundChoice).value;
      return step.prompt('confirm', 'Is this okay?');
    },
    async (step) => {
      await step.context.sendActivity(`confirmed=${String(step.result)} by ${(step.values as { transport: string }).transport}`);
      return step.endDialog();
    },
  ]));
  return async (context) => {
    if (context.activity.type !== ActivityTypes.Message) return;
    const dc = await dialogs.createContext(context);
    const result = await dc.continueDialog();
    if (result.status === DialogTurnStatus.empty) await dc.beginDialog('travel');
    await conversationState.saveChanges(context);
  };
}

describe('locale of inbound activities and botbuilder-dialogs prompts', () => {
  let rig: AdapterRig;
  const saved = process.env.WECOM_LOCALE;
  afterEach(async () => {
    if (saved === undefined) delete process.env.WECOM_LOCALE;
    else process.env.WECOM_LOCALE = saved;
    await rig?.close();
  });

  async function converse(texts: readonly string[]): Promise<{ received: string[]; locales: (string | undefined)[] }> {
    const locales: (string | undefined)[] = [];
    const bot = travelBot(new ConversationState(new StoreStorage(rig.store)));
    rig.setBot(async (context) => {
      locales.push(context.activity.locale);
      await bot(context);
    });
    const customer = rig.emu.customer(rig.corp.corpId, rig.kf);
    for (const text of texts) await settle(rig, customer.sendText(text));
    return { received: customer.received().map(shown), locales };
  }

  it('imposes none by default: an English bot prints English connectors and recognises "yes"', async () => {
    delete process.env.WECOM_LOCALE;
    rig = await adapterRig();
    const { received, locales } = await converse(['hi', 'bus', 'yes']);
    expect(locales).toEqual([undefined, undefined, undefined]);
    expect(received).toEqual([
      'How will you travel? (1) Car, (2) Bus, or (3) Bicycle',
      'Is this okay? (1) Yes or (2) No',
      'confirmed=true by Bus',
    ]);
  });

  it('WECOM_LOCALE=zh-CN gives every activity that locale, and the prompts speak Chinese', async () => {
    process.env.WECOM_LOCALE = 'zh-cn';
    rig = await adapterRig();
    const { received, locales } = await converse(['你好', '2', '是的']);
    expect(locales).toEqual(['zh-CN', 'zh-CN', 'zh-CN']);
    expect(received[0]).toBe('How will you travel? (1) Car, (2) Bus， 要么 (3) Bicycle');
    expect(received[1]).toBe('Is this okay? (1) 是的 要么 (2) 不');
    expect(received[2]).toBe('confirmed=true by Bus');
  });

  it('the locale option wins over the environment', async () => {
    process.env.WECOM_LOCALE = 'zh-CN';
    rig = await adapterRig({ adapter: { locale: 'en-US' } });
    const { received, locales } = await converse(['hi', 'car', 'no']);
    expect(locales).toEqual(['en-US', 'en-US', 'en-US']);
    expect(received.at(-1)).toBe('confirmed=false by Car');
  });
});
