/** process(req, res, logic) under express (restify is covered by test/bot, node:http by the rig). */
import express from 'express';
import type { Server } from 'node:http';
import { adapterRig, type AdapterRig, receivedTexts } from '../support/adapterRig';

describe('WeComAdapter.process under express', () => {
  let rig: AdapterRig;
  let server: Server;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await rig?.close();
  });

  it('verifies the URL and answers customers when mounted on an express app (even after express.json())', async () => {
    rig = await adapterRig();
    const app = express();
    app.use(express.json()); // a JSON body parser elsewhere in the app must not disturb the raw callback body
    app.all('/api/wecom/callback', (req, res) => void rig.adapter.process(req, res, async (ctx) => {
      if (ctx.activity.type === 'message') await ctx.sendActivity(`express heard: ${ctx.activity.text}`);
    }));
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    rig.emu.setCallbackUrl(rig.corp.corpId, `http://127.0.0.1:${(server.address() as { port: number }).port}/api/wecom/callback`);

    expect(await rig.emu.verifyCallbackUrl(rig.corp.corpId)).toMatchObject({ ok: true, status: 200 });
    const customer = rig.emu.customer(rig.corp.corpId, rig.kf);
    expect(await (await customer.sendText('hi from express')).delivery).toMatchObject({ delivered: true, attempts: 1 });
    await rig.adapter.idle();
    expect(receivedTexts(rig, customer.externalUserId)).toEqual(['express heard: hi from express']);
  });
});
