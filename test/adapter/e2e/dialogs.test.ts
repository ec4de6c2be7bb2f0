/**
 * A bot written with botbuilder-dialogs, its state in our store through StoreStorage, holding a
 * multi-turn conversation with a WeChat customer.
 */
import { ActivityTypes, ConversationState, type StatePropertyAccessor, type TurnContext } from 'botbuilder';
import {
  ChoiceFactory, ChoicePrompt, DialogSet, type DialogState, DialogTurnStatus, type FoundChoice, ListStyle, TextPrompt, WaterfallDialog,
} from 'botbuilder-dialogs';
import type { KfMenuItemClick, KfMenuPayload } from '../../../src/wecom/kfMessages';
import { StoreStorage } from '../../../src/store';
import { adapterRig, type AdapterRig } from '../../support/adapterRig';
import { settle, shown } from '../../support/e2e';

/** Asks for a name, then a drink with a ChoicePrompt, then confirms the order. */
function orderBot(conversationState: ConversationState): (context: TurnContext) => Promise<void> {
  const dialogState: StatePropertyAccessor<DialogState> = conversationState.createProperty('dialogState');
  const dialogs = new DialogSet(dialogState);
  dialogs.add(new TextPrompt('name'));
  // WeChat is not among the channels botbuilder knows, so the list style is chosen explicitly.
  const drink = new ChoicePrompt('drink');
  drink.style = ListStyle.suggestedAction;
  dialogs.add(drink);
  dialogs.add(new WaterfallDialog('order', [
    async (step) => step.prompt('name', '请问怎么称呼您？'),
    async (step) => {
      const name = ((step.values as { name?: string }).name = step.result as string);
      return step.prompt('drink', { prompt: `${name}，想喝点什么？`, choices: ChoiceFactory.toChoices(['Green tea', 'Latte', 'Orange juice']) });
    },
    async (step) => {
      const { name } = step.values as { name: string };
      await step.context.sendActivity(`好的，${name}：一杯 ${(step.result as FoundChoice).value}。`);
      return step.endDialog();
    },
  ]));
  return async (context) => {
    if (context.activity.type !== ActivityTypes.Message) return;
    const dc = await dialogs.createContext(context);
    const result = await dc.continueDialog();
    if (result.status === DialogTurnStatus.empty) await dc.beginDialog('order');
    await conversationState.saveChanges(context);
  };
}

describe('a botbuilder-dialogs bot over WeChat', () => {
  let rig: AdapterRig;
  afterEach(async () => rig?.close());

  it('waterfall + TextPrompt + ChoicePrompt: the choices arrive as a menu, a click is recognised, and the dialog ends with a summary', async () => {
    rig = await adapterRig();
    const conversationState = new ConversationState(new StoreStorage(rig.store));
    rig.setBot(orderBot(conversationState));
    const customer = rig.emu.customer(rig.corp.corpId, rig.kf);

    await settle(rig, customer.sendText('你好'));
    expect(customer.received().map(shown)).toEqual(['请问怎么称呼您？']);

    await settle(rig, customer.sendText('小王'));
    const menu = customer.received().at(-1)!;
    expect(menu.msgtype).toBe('msgmenu');
    const payload = menu.payload as KfMenuPayload;
    expect(payload.head_content).toBe('小王，想喝点什么？');
    const items = payload.list as KfMenuItemClick[];
    expect(items.map((i) => i.click.content)).toEqual(['Green tea', 'Latte', 'Orange juice']);

    const latte = items[1]!;
    await settle(rig, customer.clickMenu(latte.click.id, latte.click.content));
    expect(customer.received().map(shown)).toEqual(['请问怎么称呼您？', '小王，想喝点什么？', '好的，小王：一杯 Latte。']);

    // The dialog state lived in our store, and the dialog is over: the next message starts a new one.
    const saved = await new StoreStorage(rig.store).read([`wecom/conversations/${rig.corp.corpId}:${rig.kf}:${customer.externalUserId}/`]);
    expect(Object.keys(saved)).toHaveLength(1);
    await settle(rig, customer.sendText('再来一杯'));
    expect(customer.received().at(-1)!.payload).toEqual({ content: '请问怎么称呼您？' });
  });
});
