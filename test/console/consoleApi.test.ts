/** The console's HTTP side without a browser: what a real deployment hands out, and to whom. */
import { request } from 'undici';
import { type AppRig, appRig } from '../bot/appRig';

let rig: AppRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

it('in real mode gives no token to the page, and answers its API and event stream only with the bearer', async () => {
  rig = await appRig();
  const session = await request(`${rig.url}/console/api/session`);
  expect(await session.body.json()).toEqual({ mode: 'self-built', sandbox: false, adminEnabled: true });
  for (const path of ['/console/api/state', '/console/events']) {
    const res = await request(`${rig.url}${path}`);
    expect({ path, status: res.statusCode, body: await res.body.json() }).toMatchObject({ path, status: 401, body: { error: { code: 'unauthorized' } } });
  }
  const customer = await rig.call('GET', '/console/api/sandbox/customers/alice/chat');
  expect(customer).toMatchObject({ status: 404, json: { error: { code: 'sandbox_only' } } });
});

it('serves the page with a policy that allows only its own scripts, and the state of the corp', async () => {
  rig = await appRig();
  const page = await request(`${rig.url}/`);
  expect(page.statusCode).toBe(200);
  expect(page.headers['content-security-policy']).toContain("script-src 'self'");
  expect(await page.body.text()).toContain('<script defer src="/console/app.js"></script>');
  const state = await rig.call('GET', '/console/api/state');
  expect(state).toMatchObject({ status: 200, json: { sandbox: false, testClock: true, corps: [{ corpId: rig.corp.corpId, status: 'trial', valid: true }], conversations: [] } });
});

it('says the console is off when no ADMIN_TOKEN is set', async () => {
  rig = await appRig({ adminToken: undefined });
  const res = await request(`${rig.url}/console/api/state`);
  expect({ status: res.statusCode, body: await res.body.json() }).toMatchObject({ status: 401, body: { error: { code: 'admin_disabled' } } });
});
