/**
 * The web console in real headless Chromium (Debian's, driven by playwright-core), against the real
 * app server, adapter and sandbox emulator. Each test saves a screenshot under test-results/.
 */
import type { TurnContext } from 'botbuilder';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Bot } from '../../src/bot/server';
import { buildAssets, CONSOLE_TOKEN, type ConsoleRig, consoleRig, launchChromium, screenshot } from './consoleRig';

jest.setTimeout(120_000);

let browser: Browser;
let rig: ConsoleRig | undefined;
let context: BrowserContext | undefined;

beforeAll(async () => {
  buildAssets();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  await context?.close();
  context = undefined;
  await rig?.close();
  rig = undefined;
});

async function openConsole(viewport = { width: 1280, height: 900 }, bot?: Bot): Promise<Page> {
  rig = await consoleRig({ bot });
  context = await browser.newContext({ viewport });
  const page = await context.newPage();
  await page.goto(rig.url);
  await page.getByRole('tab', { name: 'Customer' }).waitFor();
  await page.locator('.live.on').waitFor();
  return page;
}

const chat = (page: Page) => page.getByRole('list', { name: 'Chat with the bot' });

async function say(page: Page, text: string): Promise<void> {
  await page.getByLabel('Message', { exact: true }).fill(text);
  await page.getByLabel('Message', { exact: true }).press('Enter');
}

it('a customer on a phone opens the chat link, gets the welcome, says hello and gets the reply', async () => {
  const page = await openConsole({ width: 390, height: 844 });
  await page.getByRole('button', { name: 'Open the chat link' }).click();
  await chat(page).getByText('Welcome! Ask me anything').waitFor();
  await say(page, 'hello');
  await chat(page).getByText('You said: hello').waitFor();
  expect(await chat(page).locator('.msg .bubble').allTextContents()).toEqual([
    'Welcome! Ask me anything, or type "human" (人工) to talk to a person.', 'hello', 'You said: hello',
  ]);
  // Nothing on the phone-sized page is wider than the screen.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await screenshot(page, 'console-customer-phone');
});

async function tab(page: Page, name: 'Customer' | 'Agent' | 'Admin'): Promise<void> {
  await page.getByRole('tab', { name }).click();
}

/** The agent opens a customer's conversation from the list. */
async function openConversation(page: Page, customer: string): Promise<void> {
  await tab(page, 'Agent');
  await page.getByRole('list', { name: 'Conversations' }).getByRole('button', { name: new RegExp(`^${customer}`) }).click();
  await page.getByRole('heading', { name: `Conversation with ${customer}` }).waitFor();
}

it('refuses the sixth reply to one customer message, and the agent view shows the lock and why', async () => {
  const page = await openConsole();
  await say(page, 'hello');
  await chat(page).getByText('You said: hello').waitFor();
  await openConversation(page, 'alice');
  await page.locator('.detail').getByText('4 of 5 replies left').waitFor();

  const reply = page.getByLabel(/Reply through the API/);
  for (let n = 2; n <= 5; n++) {
    await reply.fill(`follow-up ${n}`);
    await page.getByRole('button', { name: 'Send as the bot' }).click();
    await page.getByRole('status').getByText('Sent through the API').waitFor().catch(async (e: unknown) => {
      throw new Error(`follow-up ${n}: ${await page.locator('.statusbar').textContent()} (${String(e)})`);
    });
    await page.getByRole('list', { name: 'Chat with alice' }).getByText(`follow-up ${n}`).waitFor();
  }
  await reply.fill('follow-up 6');
  await page.getByRole('button', { name: 'Send as the bot' }).click();
  await page.getByRole('alert').filter({ hasText: /reply-limit|5 replies/ }).first().waitFor();
  await page.locator('.detail').getByText('Locked: 5 replies used — opens when the customer writes again').waitFor();
  expect(rig!.world.replies('alice').map((m) => (m.payload as { content: string }).content))
    .toEqual(['You said: hello', 'follow-up 2', 'follow-up 3', 'follow-up 4', 'follow-up 5']);
  await screenshot(page, 'console-agent-locked');
});

it('hands a customer to a human agent who replies, then gives the chat back to the bot', async () => {
  const page = await openConsole();
  await say(page, 'human');
  await chat(page).getByText('Connecting you to a human agent').waitFor();

  await tab(page, 'Agent');
  await page.getByRole('list', { name: 'Waiting for an agent' }).getByText('alice asked for a person').waitFor();
  await page.getByRole('button', { name: 'Take over alice' }).click();
  await page.locator('.detail').getByText('Human agent (sandbox_agent)').waitFor();
  await page.getByLabel(/Reply as the human agent/).fill('Hi, Sam here. How can I help?');
  await page.getByRole('button', { name: 'Reply as agent' }).click();
  await page.getByRole('list', { name: 'Chat with alice' }).getByText('Hi, Sam here').waitFor();
  await screenshot(page, 'console-agent-handoff');
  // While the person holds the chat the bot stays silent: the API refuses, and says why.
  await page.getByLabel(/Reply through the API/).fill('the bot butting in');
  await page.getByRole('button', { name: 'Send as the bot' }).click();
  await page.getByRole('alert').getByText('Not sent: a human agent holds this conversation').waitFor();

  // The customer sees the person; what they write now reaches the agent, not the bot.
  await tab(page, 'Customer');
  await chat(page).locator('.from-agent').getByText('Hi, Sam here. How can I help?').waitFor();
  await say(page, 'my order is late');
  await chat(page).getByText('my order is late').waitFor();

  await tab(page, 'Agent');
  await page.getByRole('button', { name: 'Give back to the bot' }).click();
  await page.locator('.detail').getByText('Ended').waitFor();
  await tab(page, 'Customer');
  await say(page, 'thanks');
  await chat(page).getByText('You said: thanks').waitFor();
  const bot = rig!.world.replies('alice').map((m) => (m.payload as { content: string }).content);
  expect(bot).toEqual(['Connecting you to a human agent…', 'You said: thanks']);
  await screenshot(page, 'console-customer-after-handoff');
});

/** The admin jumps the sandbox clock 91 days: the 90-day trial is over. */
async function expireTrial(page: Page): Promise<void> {
  await tab(page, 'Admin');
  await page.getByLabel('Days ahead').fill('91');
  await page.getByRole('button', { name: 'Jump ahead' }).click();
  await page.getByRole('status').getByText('The clock moved 91 days ahead').waitFor();
  await page.locator('.corp').getByText('Trial expired').waitFor();
}

it('after a 91-day jump the trial has expired: messages are held and the agent sees the banner', async () => {
  const page = await openConsole();
  await say(page, 'during the trial');
  await chat(page).getByText('You said: during the trial').waitFor();
  // An agent's page opened in another tab before the jump: it learns of it live, without reloading.
  const agentPage = await context!.newPage();
  await agentPage.goto(`${rig!.url}/#agent`);
  await agentPage.locator('.live.on').waitFor();
  await agentPage.getByRole('list', { name: 'Conversations' }).getByText('4 of 5 replies left').waitFor();
  await page.bringToFront(); // a background tab's timers are throttled
  await expireTrial(page);
  await agentPage.getByRole('alert').filter({ hasText: 'Integration inactive until renewal' }).waitFor();
  // Its window closed 89 days ago and was forgotten after 30 (windows' retention): nothing to list.
  await agentPage.getByRole('list', { name: 'Conversations' }).getByText('No recent conversations').waitFor();

  await tab(page, 'Customer');
  await say(page, 'anyone there?');
  await chat(page).getByText('anyone there?').waitFor();
  await tab(page, 'Agent');
  const banner = page.getByRole('alert').filter({ hasText: 'Integration inactive until renewal' });
  await banner.waitFor();
  await banner.getByText('(1 now)').waitFor();
  expect(await rig!.adapter.inboxCounts()).toMatchObject({ held: 1 });
  expect(rig!.world.replies('alice')).toHaveLength(1);
  await screenshot(page, 'console-agent-inactive');
  await tab(page, 'Admin');
  await screenshot(page, 'console-admin-expired');
});

it('buying credits renews the licence and the held messages reach the bot in order', async () => {
  const page = await openConsole();
  await say(page, 'hello');
  await chat(page).getByText('You said: hello').waitFor();
  await expireTrial(page);
  await tab(page, 'Customer');
  for (const text of ['first', 'second', 'third']) {
    await say(page, text);
    await chat(page).getByText(text, { exact: true }).waitFor();
  }
  await tab(page, 'Admin');
  await page.locator('.corp').getByText('Held messages').waitFor();
  await page.getByLabel('Credits to buy').fill('4');
  await page.getByRole('button', { name: 'Buy credits' }).click();
  await page.locator('.corp .licence').getByText('Active').waitFor();
  await page.getByLabel('Renew automatically from credits').check();
  await page.getByRole('status').getByText(/Auto-renew on/).waitFor();
  expect((await (await rig!.adapter.licensing()).status(rig!.world.corp.corpId)).autoRenew).toBe(true);
  await screenshot(page, 'console-admin-renewed');

  await tab(page, 'Customer');
  await chat(page).getByText('You said: third').waitFor();
  expect(await chat(page).locator('.msg .bubble').allTextContents()).toEqual([
    'hello', 'You said: hello', 'first', 'second', 'third', 'You said: first', 'You said: second', 'You said: third',
  ]);
  await screenshot(page, 'console-customer-released');
  await tab(page, 'Agent');
  await page.locator('.banner').waitFor({ state: 'hidden' });
});

it('sends a picture and a file as the customer: the bot gets the picture, and says why it refuses a program', async () => {
  const page = await openConsole();
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
  await page.locator('#customer-file').setInputFiles({ name: 'cat.png', mimeType: 'image/png', buffer: png });
  await chat(page).getByText('Thanks, I received cat.png').waitFor();
  await chat(page).getByRole('img', { name: 'Your picture cat.png' }).waitFor();
  // A Windows program named like a PDF: WeCom takes it, the channel's media rules refuse it.
  const exe = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(300, 1)]);
  await page.locator('#customer-file').setInputFiles({ name: 'invoice.pdf', mimeType: 'application/pdf', buffer: exe });
  await chat(page).getByText(/I could not accept your file invoice\.pdf/).waitFor();
  await screenshot(page, 'console-customer-media');
});

it('in real mode asks for the admin token and offers only the agent and admin views', async () => {
  rig = await consoleRig({ real: true });
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(rig.url);
  await page.getByLabel('Admin token').fill('not-the-right-token-at-all');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').getByText(/wrong token/).waitFor();
  await page.getByLabel('Admin token').fill(CONSOLE_TOKEN);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('tab', { name: 'Agent' }).waitFor();
  expect(await page.getByRole('tab').allTextContents()).toEqual(['Agent', 'Admin']);
  expect(page.url()).not.toContain(CONSOLE_TOKEN);
  // Keyboard: arrow keys move between the tabs.
  await page.getByRole('tab', { name: 'Agent' }).focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByRole('tab', { name: 'Admin' }).getAttribute('aria-selected')).resolves.toBe('true');
  await page.getByRole('heading', { name: 'Corps and licences' }).waitFor();
  await screenshot(page, 'console-real-admin');
});

it('shows the bot\'s menu as buttons; tapping one sends the item\'s id to the bot', async () => {
  const menuBot: Bot = {
    async run(context: TurnContext) {
      if (context.activity.type !== 'message') return;
      if (context.activity.value) return void (await context.sendActivity(`You picked ${String(context.activity.value)}`));
      await context.sendActivity({ text: 'Tea or coffee?', suggestedActions: { to: [], actions: [{ type: 'imBack', title: 'Tea', value: 'tea' }, { type: 'imBack', title: 'Coffee', value: 'coffee' }] } });
    },
  };
  const page = await openConsole({ width: 390, height: 844 }, menuBot);
  await say(page, 'menu please');
  await chat(page).getByRole('button', { name: 'Coffee' }).click();
  await chat(page).getByText('You picked coffee').waitFor();
  expect(await chat(page).locator('.msg .bubble').allTextContents()).toEqual(['menu please', 'Tea or coffee?TeaCoffee', 'Coffee', 'You picked coffee']);
  await screenshot(page, 'console-customer-menu');
});
