/** SandboxWorld.chat: the whole chat as the customer's phone shows it, their own lines included. */
import { ManualClock } from '../../src/common';
import { SandboxWorld } from '../../src/sandbox';

let world: SandboxWorld | undefined;
afterEach(async () => {
  await world?.stop();
  world = undefined;
});

it('keeps the order people wrote in, even when the clock reads the same for every line', async () => {
  world = await SandboxWorld.start({ clock: new ManualClock(Date.UTC(2026, 5, 1)) });
  await world.enter('bob');
  await world.say('bob', 'first');
  await world.agentSays('bob', 'an agent here');
  await world.say('bob', 'second');
  await world.sendAttachment('bob', { type: 'file', filename: 'notes.txt', bytes: Buffer.from('hello') });
  expect(world.chat('bob').map((l) => [l.from, l.msgtype, l.payload])).toEqual([
    ['customer', 'event', { event_type: 'enter_session', scene: undefined }],
    ['customer', 'text', { content: 'first' }],
    ['agent', 'text', { content: 'an agent here' }],
    ['customer', 'text', { content: 'second' }],
    ['customer', 'file', { filename: 'notes.txt', bytes: 5 }],
  ]);
  // The transcript the HTTP route and the terminal show stays what the customer received.
  expect(world.transcript('bob').map((l) => l.from)).toEqual(['agent']);
});
