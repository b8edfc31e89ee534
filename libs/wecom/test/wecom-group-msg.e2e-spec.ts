import { GroupMsgSendResult, GroupMsgTask, WecomError, WecomFatalError } from '@app/wecom';
import { SimulatorHarness, startTestSimulator } from '../../../test/utils/simulator';
import { startWecomContext, WecomContext } from './wecom-test-context';

async function all<T>(pages: AsyncGenerator<T[]>): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let n = 0;
  for await (const page of pages) {
    items.push(...page);
    n++;
  }
  return { items, pages: n };
}

async function failure(p: Promise<unknown>): Promise<WecomError> {
  try {
    await p;
  } catch (e) {
    return e as WecomError;
  }
  throw new Error('expected the call to fail');
}

const SEND_DELAY_MS = 60_000;

/** Group messages and delivery tracking (SPEC §6): task → members confirm → per-customer status. */
describe('WeCom group messages against the simulator', () => {
  let sim: SimulatorHarness;
  let ctx: WecomContext;

  const reachable = [
    ...Array.from({ length: 25 }, (_, i) => `wm-${i}`),
    'lost-1', // deleted the member before the send: status 2
    'cap-1', // over WeCom's receive cap: status 3
  ];
  const recipients = [...reachable, 'nf-1', 'nf-2'];
  let msgid: string;

  beforeAll(async () => {
    sim = await startTestSimulator({
      behaviour: {
        senders: ['alice', 'bob', 'carol'],
        sendDelayMs: SEND_DELAY_MS,
        notFriendPattern: '^nf-',
        lostFriendPattern: '^lost-',
        overCapPattern: '^cap-',
        lazySenderPattern: '^carol$',
      },
    });
    ctx = await startWecomContext(sim.env);
  });

  afterAll(async () => {
    await ctx?.close();
    await sim?.close();
  });

  const tasks = async () => all<GroupMsgTask>(ctx.client.getGroupMsgTask(msgid, { limit: 1 }));
  const results = async (userid: string) =>
    all<GroupMsgSendResult>(ctx.client.getGroupMsgSendResult(msgid, userid, { limit: 7 }));

  it('creates the task; customers who are not friends come back in fail_list', async () => {
    const answer = await ctx.client.addMsgTemplate({
      externalUserIds: recipients,
      text: '新品上架',
    });
    expect(answer).toEqual({
      errcode: 0,
      errmsg: 'ok',
      msgid: expect.stringMatching(/^msg/),
      fail_list: ['nf-1', 'nf-2'],
    });
    msgid = answer.msgid;
    const ledger = await sim.messages();
    expect(ledger).toHaveLength(1);
    expect(ledger[0]).toMatchObject({
      msgid,
      externalUserIds: recipients,
      failList: ['nf-1', 'nf-2'],
      text: { content: '新品上架' },
      attachments: [],
    });
  });

  it('lists one task per member, page by page, none sent yet', async () => {
    const { items, pages } = await tasks();
    expect(pages).toBe(3);
    expect(items.map((t) => t.userid).sort()).toEqual(['alice', 'bob', 'carol']);
    expect(items.every((t) => t.status === 0 && t.send_time === undefined)).toBe(true);
  });

  it('after the members confirm, each customer has one outcome: sent, not a friend, over the cap', async () => {
    await sim.advanceClock(SEND_DELAY_MS);
    const byMember = new Map((await tasks()).items.map((t) => [t.userid, t]));
    expect(byMember.get('alice')?.status).toBe(2);
    expect(byMember.get('bob')?.status).toBe(2);
    expect(byMember.get('carol')?.status).toBe(0); // waits for a reminder

    const outcomes = new Map<string, number>();
    for (const member of ['alice', 'bob', 'carol']) {
      for (const r of (await results(member)).items) {
        expect(outcomes.has(r.external_userid)).toBe(false);
        outcomes.set(r.external_userid, r.status);
        expect(r.userid).toBe(member);
        if (member === 'carol') expect(r.status).toBe(0);
        else if (r.status === 1) expect(r.send_time).toEqual(expect.any(Number));
      }
    }
    expect([...outcomes.keys()].sort()).toEqual([...reachable].sort());
    const carols = (await results('carol')).items.map((r) => r.external_userid);
    for (const id of reachable.filter((x) => !carols.includes(x))) {
      expect(outcomes.get(id)).toBe(id === 'lost-1' ? 2 : id === 'cap-1' ? 3 : 1);
    }
  });

  it('a reminder makes the member who has not sent confirm', async () => {
    await ctx.client.remindGroupMsgSend(msgid);
    await sim.advanceClock(SEND_DELAY_MS);
    expect((await tasks()).items.every((t) => t.status === 2)).toBe(true);
    const outcomes = new Map<string, number>();
    for (const member of ['alice', 'bob', 'carol']) {
      for (const r of (await results(member)).items) outcomes.set(r.external_userid, r.status);
    }
    expect(Object.fromEntries(outcomes)).toEqual(
      Object.fromEntries(reachable.map((id) => [id, id === 'lost-1' ? 2 : id === 'cap-1' ? 3 : 1])),
    );
  });

  it('WeCom allows three reminders per task per 24 h', async () => {
    await ctx.client.remindGroupMsgSend(msgid);
    await ctx.client.remindGroupMsgSend(msgid);
    const e = await failure(ctx.client.remindGroupMsgSend(msgid));
    expect(e).toBeInstanceOf(WecomFatalError);
    expect(e.errcode).toBe(41094);
    await sim.advanceClock(24 * 3600 * 1000);
    await expect(ctx.client.remindGroupMsgSend(msgid)).resolves.toBeUndefined();
  });

  it('cancels a task once; cancelling again is reported, not an error', async () => {
    const { msgid: other } = await ctx.client.addMsgTemplate({
      externalUserIds: ['wm-c1', 'wm-c2'],
      text: 'later',
      sender: 'bob',
    });
    expect(await ctx.client.cancelGroupMsgSend(other)).toBe('cancelled');
    expect(await ctx.client.cancelGroupMsgSend(other)).toBe('already-cancelled');
    await sim.advanceClock(SEND_DELAY_MS);
    const items = (await all(ctx.client.getGroupMsgTask(other))).items;
    expect(items).toEqual([{ userid: 'bob', status: 0 }]);
  });

  it('an unknown msgid is fatal (41047)', async () => {
    const e = await failure(ctx.client.getGroupMsgTask('msg-unknown').next());
    expect(e).toBeInstanceOf(WecomFatalError);
    expect(e.errcode).toBe(41047);
  });

  it('all recipients unreachable: fatal 41048 with the fail_list', async () => {
    const e = await failure(ctx.client.addMsgTemplate({ externalUserIds: ['nf-9'], text: 'x' }));
    expect(e).toBeInstanceOf(WecomFatalError);
    expect(e.errcode).toBe(41048);
    expect(e.failList).toEqual(['nf-9']);
  });
});
