import type { GroupMsgListItem } from '@app/wecom';
import { matchRecipients, sameContent } from './task-match';

const task = (over: Partial<GroupMsgListItem> = {}): GroupMsgListItem => ({
  msgid: 'm1',
  create_type: 0,
  create_time: '1700000000',
  text: { content: '好久不见' },
  attachments: [],
  ...over,
});

describe('sameContent', () => {
  const message = { content: '好久不见', attachments: [] };

  it('takes a corp task with the same text and no attachments', () => {
    expect(sameContent(task(), message)).toBe(true);
  });

  it('refuses another text, a member-created task, another attachment count', () => {
    expect(sameContent(task({ text: { content: '新品上市' } }), message)).toBe(false);
    expect(sameContent(task({ creator: 'zhangsan' }), message)).toBe(false);
    expect(sameContent(task({ attachments: [{}] }), message)).toBe(false);
  });

  it('reads a task without text as empty text', () => {
    const image = { msgtype: 'image' as const, image: { media_id: 'x' } };
    expect(
      sameContent(task({ text: undefined, attachments: [{}] }), {
        content: '',
        attachments: [image],
      }),
    ).toBe(true);
  });
});

describe('matchRecipients', () => {
  it('matches a task whose recipients are all the batch’s; the missing ones are its fail_list', () => {
    expect(matchRecipients(['a', 'b', 'c'], ['a', 'c'])).toEqual({ match: true, failList: ['b'] });
    expect(matchRecipients(['a', 'b'], ['b', 'a', 'a'])).toEqual({ match: true, failList: [] });
  });

  it('refuses a task holding anyone else (another batch of the same run)', () => {
    expect(matchRecipients(['a', 'b'], ['a', 'x'])).toEqual({ match: false, reason: 'foreign' });
  });

  it('refuses a task with no recipients', () => {
    expect(matchRecipients(['a'], [])).toEqual({ match: false, reason: 'empty' });
  });
});
