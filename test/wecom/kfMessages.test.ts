import { toKfMessage } from '../../src/wecom';

describe('toKfMessage', () => {
  it('keeps numbers where rules compare numbers, whichever JSON type WeCom used', () => {
    const msg = toKfMessage({
      msgid: 42, send_time: '1700000000', origin: '4', msgtype: 'event',
      event: { event_type: 'session_status_change', open_kfid: 'wk1', external_userid: 'wm1', change_type: '3', old_servicer_userid: 'alice' },
    });
    expect(msg).toMatchObject({ msgid: '42', send_time: 1700000000, origin: 4, msgtype: 'event', event: { change_type: 3, old_servicer_userid: 'alice' } });
  });

  it('keeps an unknown msgtype opaque, and drops only an item without msgid', () => {
    expect(toKfMessage({ msgid: 'n1', send_time: 1, origin: 3, msgtype: 'note', note: { x: 1 } })).toMatchObject({ msgtype: 'unknown', original_msgtype: 'note' });
    expect(toKfMessage({ send_time: 1, origin: 3, msgtype: 'text', text: { content: 'x' } })).toBeUndefined();
  });
});
