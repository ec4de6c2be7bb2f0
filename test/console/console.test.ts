/**
 * The web console in real headless Chromium (Debian's, driven by playwright-core), against the real
 * app server, adapter and sandbox emulator. Each test saves a screenshot under test-results/.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildAssets, type ConsoleRig, consoleRig, launchChromium, screenshot } from './consoleRig';

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

async function openConsole(viewport = { width: 1280, height: 900 }): Promise<Page> {
  rig = await consoleRig();
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
