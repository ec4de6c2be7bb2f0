import { accountConversationIdOf, conversationIdOf, ConversationIdError, parseConversationId } from '../../src/adapter/conversationId';
import { isChannelError } from '../../src/common/errors';

describe('conversation ids', () => {
  it.each([
    ['typical WeCom ids', { corpId: 'ww5f3c9a1b2c3d4e5f', openKfId: 'wkAJ2GCAAAZSfhHCt7IFSvLKtMPxyJTw', externalUserId: 'wmAJ2GCAAAme1XQRC-NI-q0_ZM9ukCAw' }, 'ww5f3c9a1b2c3d4e5f:wkAJ2GCAAAZSfhHCt7IFSvLKtMPxyJTw:wmAJ2GCAAAme1XQRC-NI-q0_ZM9ukCAw'],
    ['ids with @ and .', { corpId: 'ww1', openKfId: 'wk.1', externalUserId: 'user@corp' }, 'ww1:wk.1:user@corp'],
    ['a colon is escaped, not a separator', { corpId: 'ww1', openKfId: 'wk:1', externalUserId: 'wm1' }, 'ww1:wk%3A1:wm1'],
    ['a percent sign is escaped too', { corpId: 'ww1', openKfId: 'wk1', externalUserId: '100%3A' }, 'ww1:wk1:100%253A'],
  ])('%s: readable and reversible', (_name, parties, id) => {
    expect(conversationIdOf(parties)).toBe(id);
    expect(parseConversationId(id)).toEqual(parties);
  });

  it.each([
    ['an empty corp id', { corpId: '', openKfId: 'wk1', externalUserId: 'wm1' }],
    ['an empty open_kfid', { corpId: 'ww1', openKfId: '', externalUserId: 'wm1' }],
    ['an empty external_userid', { corpId: 'ww1', openKfId: 'wk1', externalUserId: '' }],
  ])('refuses to build an id with %s', (_name, parties) => {
    expect(() => conversationIdOf(parties)).toThrow(ConversationIdError);
  });

  it.each([
    ['no separator', 'ww1'],
    ['four parts', 'ww1:wk1:wm1:x'],
    ['an empty part', 'ww1::wm1'],
    ['a trailing colon', 'ww1:wk1:wm1:'],
    ['an unknown escape', 'ww1:wk%41:wm1'],
    ['the empty string', ''],
  ])('refuses to parse %s with code conversation_id_invalid', (_name, id) => {
    let caught: unknown;
    try {
      parseConversationId(id);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ConversationIdError);
    expect(isChannelError(caught, 'conversation_id_invalid')).toBe(true);
    expect((caught as ConversationIdError).conversationId).toBe(id);
  });

  it('an account-level id (servicer events) is not a customer conversation', () => {
    const id = accountConversationIdOf({ corpId: 'ww1', openKfId: 'wk1' });
    expect(id).toBe('ww1:wk1');
    expect(() => parseConversationId(id)).toThrow(/customer service account, not a customer conversation/);
  });
});
