/**
 * A channel made with `licensing: false` has no licensing service: asking for it is the caller's
 * mistake, answered with a typed error the admin API and callers can tell apart from a crash.
 */
import { WeComChannel } from '../../src/channel';
import { isChannelError } from '../../src/common';
import { SANDBOX_CREDENTIALS } from '../../src/sandbox';

describe('WeComChannel with licensing: false', () => {
  it('refuses licensing() with AdapterStateError, and installs no licence gate', async () => {
    const host = { hasLogic: () => false, runTurn: async () => undefined };
    const channel = new WeComChannel({ ...SANDBOX_CREDENTIALS, licensing: false, autoStart: false }, host);
    const error: unknown = await channel.licensing().then(() => undefined, (e: unknown) => e);
    expect(isChannelError(error, 'adapter_state')).toBe(true);
    expect((error as Error).message).toMatch(/licensing: false/);
    expect(channel.licenceGate).toBeUndefined();
    await channel.close();
  });
});
