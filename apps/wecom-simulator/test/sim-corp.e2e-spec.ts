import { SimulatorHarness, startTestSimulator } from '../../../test/utils/simulator';
import { simHttp } from './sim-http';

const BY_USER = 'externalcontact/batch/get_by_user';

/** The 客户联系 endpoints over the generated corp: WeCom's fields, limits and errcodes. */
describe('WeCom simulator: contacts', () => {
  let sim: SimulatorHarness;
  let http: ReturnType<typeof simHttp>;
  let token: string;

  beforeAll(async () => {
    sim = await startTestSimulator({
      behaviour: { corpMembers: 4, corpContacts: 1000, contactCallsPerMinute: 0 },
    });
    http = simHttp(sim);
    token = await http.token();
  });

  afterAll(() => sim?.close());

  const control = async (path: string, body?: unknown) => {
    const res = await fetch(`${sim.url}/__sim/corp/${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('get_follow_user_list lists the members, senders first', async () => {
    const a = await http.get('externalcontact/get_follow_user_list', { access_token: token });
    expect(a).toMatchObject({
      errcode: 0,
      follow_user: ['zhangsan', 'lisi', 'wangwu', 'member0004'],
    });
  });

  it('batch/get_by_user answers WeCom fields, 50 by default, at most 100 a page', async () => {
    const first = await http.post(BY_USER, { userid_list: ['zhangsan'] }, token);
    expect(first.errcode).toBe(0);
    const rows = first.external_contact_list as Record<string, Record<string, unknown>>[];
    expect(rows).toHaveLength(50);
    expect(rows[0].external_contact).toMatchObject({
      external_userid: expect.stringMatching(/^wmc/),
      name: expect.any(String),
      type: 1,
    });
    expect(rows[0].follow_info).toMatchObject({
      userid: 'zhangsan',
      createtime: expect.any(Number),
      tag_id: expect.arrayContaining([]),
      remark_mobiles: expect.arrayContaining([]),
      state: expect.any(String),
    });
    expect(first.next_cursor).toEqual(expect.any(String));
    const big = await http.post(BY_USER, { userid_list: ['zhangsan'], limit: 1000 }, token);
    expect(big.external_contact_list).toHaveLength(100);
  });

  it.each([
    ['no userid_list', {}, 40058],
    ['101 userids', { userid_list: Array.from({ length: 101 }, (_, i) => `u${i}`) }, 40058],
    ['an unknown member', { userid_list: ['nobody'] }, 40003],
    ['a forged cursor', { userid_list: ['zhangsan'], cursor: 'x' }, 40058],
  ])('batch/get_by_user with %s → %i', async (_, body, errcode) => {
    expect((await http.post(BY_USER, body, token)).errcode).toBe(errcode);
  });

  it('get_corp_tag_list gives the library, filtered by group', async () => {
    const all = await http.post('externalcontact/get_corp_tag_list', {}, token);
    const groups = all.tag_group as { group_id: string; tag: { id: string; name: string }[] }[];
    expect(groups.length).toBe(3);
    const one = await http.post(
      'externalcontact/get_corp_tag_list',
      { group_id: [groups[1].group_id] },
      token,
    );
    expect(one.tag_group).toEqual([groups[1]]);
  });

  it('a deletion is seen by the next page read and by the contact; a re-add restores it', async () => {
    const { body } = await control('contacts?offset=5&limit=1');
    const contact = (
      body.contacts as { external_userid: string; follows: { userid: string }[] }[]
    )[0];
    const userid = contact.follows[0].userid;
    const del = await control('follows/delete', {
      externalUserId: contact.external_userid,
      userid,
      callback: 'none',
    });
    expect(del.status).toBe(200);
    expect((await control(`contacts/${contact.external_userid}`)).body.follows).not.toContainEqual(
      expect.objectContaining({ userid }),
    );
    expect(
      (await control('follows/delete', { externalUserId: contact.external_userid, userid })).status,
    ).toBe(404);
    const add = await control('follows/add', {
      externalUserId: contact.external_userid,
      userid,
      callback: 'none',
    });
    expect(add.body.externalUserId).toBe(contact.external_userid);
    expect((await control(`contacts/${contact.external_userid}`)).body.follows).toContainEqual(
      expect.objectContaining({ userid }),
    );
  });

  it('answers 45009 once an API spent its calls of the minute, other APIs unaffected', async () => {
    await sim.setBehaviour({ contactCallsPerMinute: 3 });
    const calls = [];
    for (let i = 0; i < 4; i++)
      calls.push((await http.post(BY_USER, { userid_list: ['lisi'] }, token)).errcode);
    expect(calls).toEqual([0, 0, 0, 45009]);
    expect((await http.post('externalcontact/get_corp_tag_list', {}, token)).errcode).toBe(0);
    await sim.advanceClock(60_000);
    expect((await http.post(BY_USER, { userid_list: ['lisi'] }, token)).errcode).toBe(0);
    await sim.setBehaviour({ contactCallsPerMinute: 0 });
  });
});
