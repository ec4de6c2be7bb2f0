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

  it('ids the pipeline keys conversations on are strings: a number becomes its string, anything else is dropped', () => {
    const msg = toKfMessage({ msgid: 'i1', send_time: 1, origin: 3, msgtype: 'text', text: { content: 'x' }, open_kfid: { a: 1 }, external_userid: 12345, servicer_userid: null });
    expect(msg).toMatchObject({ external_userid: '12345' });
    expect(msg && 'open_kfid' in msg).toBe(false);
    expect(msg && 'servicer_userid' in msg).toBe(false);
    const ev = toKfMessage({ msgid: 'e1', send_time: 1, origin: 4, msgtype: 'event', event: { event_type: 'enter_session', open_kfid: [], external_userid: 7 } });
    expect(ev).toMatchObject({ event: { external_userid: '7' } });
    expect(ev?.msgtype === 'event' && 'open_kfid' in ev.event).toBe(false);
  });
});

describe('numbers in hostile sync_msg fields', () => {
  it('an object with no usable conversion is not a number (no TypeError)', () => {
    const m = toKfMessage({ msgid: 'm1', msgtype: 'text', send_time: { toString: null }, origin: { valueOf: null, toString: null }, text: { content: 'hi' } });
    expect(m?.send_time).toBe(0);
  });
});
