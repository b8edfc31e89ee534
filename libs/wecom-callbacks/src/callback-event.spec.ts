import { judgeEvent, readEvent, UnreadableEventError } from './callback-event';

const contact = (changeType: string, extra: Record<string, string> = {}) => ({
  ToUserName: 'ww-corp',
  FromUserName: 'sys',
  CreateTime: '1733600000',
  MsgType: 'event',
  Event: 'change_external_contact',
  ChangeType: changeType,
  UserID: 'zhangsan',
  ExternalUserID: 'wmEXT1',
  ...extra,
});
const tag = (changeType: string, extra: Record<string, string> = {}) => ({
  ToUserName: 'ww-corp',
  FromUserName: 'sys',
  CreateTime: '1733600000',
  MsgType: 'event',
  Event: 'change_external_tag',
  ChangeType: changeType,
  Id: 'etTAG1',
  TagType: 'tag',
  ...extra,
});

describe('readEvent: what is stored for a decrypted message', () => {
  it('keeps the fields as sent and reads the kind and time', () => {
    const e = readEvent(contact('del_follow_user'));
    expect(e).toMatchObject({
      event: 'change_external_contact',
      changeType: 'del_follow_user',
      eventTime: new Date(1733600000 * 1000),
      payload: contact('del_follow_user'),
    });
    expect(e.dedupeKey).toMatch(/^[0-9a-f]{64}$/);
  });

  it('gives a retry of the same event the same key, whatever the field order', () => {
    const reordered = Object.fromEntries(Object.entries(contact('add_external_contact')).reverse());
    expect(readEvent(reordered).dedupeKey).toBe(
      readEvent(contact('add_external_contact')).dedupeKey,
    );
  });

  it.each([
    ['another second', contact('add_external_contact', { CreateTime: '1733600001' })],
    ['another member', contact('add_external_contact', { UserID: 'lisi' })],
    ['another customer', contact('add_external_contact', { ExternalUserID: 'wmEXT2' })],
    ['another change', contact('edit_external_contact')],
    ['a field more', contact('add_external_contact', { State: 'qr-1' })],
  ])('gives %s another key', (_what, other) => {
    expect(readEvent(other).dedupeKey).not.toBe(
      readEvent(contact('add_external_contact')).dedupeKey,
    );
  });

  it('stores a plain message under msgtype:<type>', () => {
    expect(readEvent({ MsgType: 'text', CreateTime: '1', Content: 'hi' }).event).toBe(
      'msgtype:text',
    );
  });

  it.each([
    ['no MsgType', { CreateTime: '1', Event: 'x' }, 'MsgType'],
    ['no CreateTime', { MsgType: 'event', Event: 'x' }, 'CreateTime'],
    [
      'a CreateTime that is not seconds',
      { MsgType: 'event', Event: 'x', CreateTime: '2024-01-01' },
      'CreateTime',
    ],
    ['an event without Event', { MsgType: 'event', CreateTime: '1' }, 'Event'],
    [
      'an Event over 64 characters',
      { MsgType: 'event', CreateTime: '1', Event: 'e'.repeat(65) },
      'Event',
    ],
  ])('refuses %s, naming the field', (_what, fields, field) => {
    expect(() => readEvent(fields)).toThrow(UnreadableEventError);
    try {
      readEvent(fields);
    } catch (e) {
      expect((e as UnreadableEventError).field).toBe(field);
    }
  });
});

describe('judgeEvent: what processing recognises', () => {
  it.each([
    [
      contact('add_external_contact', { State: 's', WelcomeCode: 'w' }),
      'contact.add_external_contact',
    ],
    [contact('edit_external_contact'), 'contact.edit_external_contact'],
    [contact('add_half_external_contact'), 'contact.add_half_external_contact'],
    [
      contact('del_external_contact', { Source: 'DEL_BY_TRANSFER' }),
      'contact.del_external_contact',
    ],
    [contact('del_follow_user'), 'contact.del_follow_user'],
    [contact('transfer_fail', { FailReason: 'customer_refused' }), 'contact.transfer_fail'],
    [tag('create'), 'tag.create'],
    [tag('update', { TagType: 'tag_group' }), 'tag.update'],
    [tag('delete'), 'tag.delete'],
    [{ ...tag('shuffle'), Id: '', TagType: '' }, 'tag.shuffle'],
  ])('%o → %s', (payload, kind) => {
    expect(judgeEvent(payload)).toEqual({ kind });
  });

  it.each([
    [
      { ...contact('add_external_contact'), Event: 'change_external_chat' },
      /unsupported event 'change_external_chat'/,
    ],
    [contact('toString'), /unsupported ChangeType 'toString'/],
    [contact('del_follow_user', { ExternalUserID: '' }), /without ExternalUserID/],
    [tag('create', { Id: '' }), /without Id/],
    [tag('create', { TagType: 'label' }), /TagType must be tag or tag_group/],
  ])('%o is recorded as a problem: %s', (payload, problem) => {
    const verdict = judgeEvent(payload);
    expect(verdict.kind).toBeNull();
    expect(verdict.problem).toMatch(problem);
  });
});
