/**
 * The Admin view's channel pages in real headless Chromium against the sandbox: create a channel
 * for the demo corp's CSA, see its chat link, QR code and message button, then open the link as a
 * customer and get the bot's reply. Saves a screenshot under test-results/.
 */
import type { Browser, BrowserContext } from 'playwright-core';
import { eventually } from '../support/e2e';
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

/** Waits for what the page fetches in the background (no fixed sleeps: the machine may be slow). */
const until = (check: () => Promise<boolean>): Promise<void> => eventually(async () => expect(await check()).toBe(true), 20_000);

it('on a phone, the admin creates a channel, sees its chat link and QR code, and a customer who opens the link gets the bot', async () => {
  rig = await consoleRig();
  context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await page.goto(rig.url);
  await page.locator('.live.on').waitFor();
  await page.getByRole('tab', { name: 'Admin' }).click();

  const channels = page.getByRole('region', { name: `Channels of ${rig.world.corp.corpId}` });
  await channels.getByText('No channels yet').waitFor();
  // The demo corp's CSA is offered, by keyboard like any select.
  const form = channels.getByRole('form', { name: `New channel for ${rig.world.corp.corpId}` });
  await form.getByLabel('Channel name').fill('Sales');
  expect(await form.getByLabel('Customer service account (CSA)').inputValue()).toBe(rig.world.openKfId);
  await form.getByLabel('Department').fill('Sales team');
  await form.getByLabel('Department').press('Enter');

  const card = channels.getByRole('article', { name: 'Sales' });
  await card.waitFor();
  await page.getByText('Created the channel Sales').waitFor();
  const link = card.getByLabel('Chat link');
  await until(async () => (await link.inputValue()).startsWith('https://'));
  expect(await link.inputValue()).toMatch(/^https:\/\/work\.weixin\.qq\.com\/kfid\/kfc[0-9a-f]+\?enc_scene=ENC/);
  const qr = card.getByRole('img', { name: 'QR code of the chat link of Sales' });
  await until(() => qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0));
  await until(async () => (await card.getByLabel(/^Message button/).inputValue()).includes(await link.inputValue()));

  // Agents: add the sandbox's WeCom user, who is then listed with a button to remove them.
  await card.getByLabel(/WeCom user ids/).fill('sandbox_agent');
  await card.getByRole('button', { name: 'Add agents' }).click();
  await card.getByRole('button', { name: 'Remove agent sandbox_agent from Sales' }).waitFor();
  // The channel's page fits the phone.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await screenshot(page, 'console-admin-channel-phone');

  const channelId = (await card.locator('dd code').nth(1).textContent()) ?? '';
  expect(channelId).toMatch(/^[0-9A-Za-z_-]{1,32}$/);
  // The customer opens the channel's chat link (enter_session with its scene) and talks to the bot.
  await card.getByRole('button', { name: 'Open as a customer' }).click();
  await page.getByText('opened the chat link of Sales').waitFor();
  await page.getByRole('tab', { name: 'Customer' }).click();
  const chat = page.getByRole('list', { name: 'Chat with the bot' });
  await chat.getByText('Welcome! Ask me anything').waitFor();
  await page.getByLabel('Message', { exact: true }).fill('hello');
  await page.getByLabel('Message', { exact: true }).press('Enter');
  await chat.getByText('You said: hello').waitFor();
  // It was this channel's link: the customer's enter_session carried the channel id as its scene.
  const res = await fetch(`${rig.url}/console/api/sandbox/customers/alice/chat`, { headers: { authorization: `Bearer ${CONSOLE_TOKEN}` } });
  const lines = await res.json() as { from: string; msgtype: string; payload: { event_type?: string; scene?: string } }[];
  expect(lines.filter((l) => l.msgtype === 'event').map((l) => l.payload)).toEqual([{ event_type: 'enter_session', scene: channelId }]);
  await screenshot(page, 'console-admin-channel-customer');

  // Back in Admin: the agent leaves the channel, then the channel goes (after the confirmation).
  await page.getByRole('tab', { name: 'Admin' }).click();
  await card.getByRole('button', { name: 'Remove agent sandbox_agent from Sales' }).click();
  await card.getByText('No agents yet').waitFor();
  page.once('dialog', (d) => void d.accept());
  await card.getByRole('button', { name: 'Delete channel' }).click();
  await channels.getByText('No channels yet').waitFor();
  expect(await card.count()).toBe(0);
});
