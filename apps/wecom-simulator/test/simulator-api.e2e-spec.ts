import { SimulatorHarness, startTestSimulator } from '../../../test/utils/simulator';
import { PNG, simHttp } from './sim-http';

const SEND = 'externalcontact/add_msg_template';
const MEDIA = '<uploaded media_id>';

/** The simulator speaks WeCom: its validation, limits and errcodes (docs/WECOM.md). */
describe('WeCom simulator: endpoints', () => {
  let sim: SimulatorHarness;
  let http: ReturnType<typeof simHttp>;
  let mediaId: string;

  beforeAll(async () => {
    sim = await startTestSimulator({
      behaviour: { tokenTtlSeconds: 60, mediaTtlSeconds: 3600, miniProgramAppIds: ['wx-linked'] },
    });
    http = simHttp(sim);
    mediaId = (await http.upload('image', PNG)).media_id as string;
  });

  afterAll(() => sim?.close());

  describe('gettoken', () => {
    it.each([
      ['no corpid', { corpsecret: 's' }, 41002],
      ['no secret', { corpid: 'c' }, 41004],
      ['a wrong corpid', { corpid: 'ww-other', corpsecret: 's' }, 40013],
    ])('%s → %i', async (_, query, errcode) => {
      expect((await http.get('gettoken', query)).errcode).toBe(errcode);
    });

    it('a wrong secret → 40001', async () => {
      const a = await http.get('gettoken', { corpid: sim.env.WECOM_CORP_ID, corpsecret: 'wrong' });
      expect(a.errcode).toBe(40001);
    });

    it('returns the same token while it is valid, with its remaining lifetime', async () => {
      const q = { corpid: sim.env.WECOM_CORP_ID, corpsecret: sim.env.WECOM_CORP_SECRET };
      const first = await http.get('gettoken', q);
      expect(first).toMatchObject({ errcode: 0, expires_in: expect.any(Number) });
      expect(first.expires_in).toBeLessThanOrEqual(60);
      expect((await http.get('gettoken', q)).access_token).toBe(first.access_token);
    });
  });

  describe('access_token', () => {
    const body = { external_userid: ['wm-1'], text: { content: 'x' } };

    it('missing → 41001, unknown → 40014', async () => {
      expect((await http.post(SEND, body, null)).errcode).toBe(41001);
      expect((await http.post(SEND, body, 'made-up')).errcode).toBe(40014);
    });

    it('expires after its configured lifetime → 42001, and gettoken issues a new one', async () => {
      const old = await http.token();
      await sim.advanceClock(60_000);
      expect((await http.post(SEND, body, old)).errcode).toBe(42001);
      const fresh = await http.token();
      expect(fresh).not.toBe(old);
      expect((await http.post(SEND, body, fresh)).errcode).toBe(0);
    });
  });

  describe('media/upload', () => {
    it('accepts a png as multipart field `media` and answers a media_id', async () => {
      const a = await http.upload('image', PNG, 'cat.png');
      expect(a).toMatchObject({ errcode: 0, type: 'image', media_id: expect.any(String) });
      expect(Number(a.created_at)).toBeGreaterThan(1_600_000_000);
    });

    it.each([
      ['a non-image', 'image', Buffer.from('GIF89a not allowed here'), 40004],
      ['5 bytes', 'image', PNG.subarray(0, 5), 40006],
      ['over 10 MB', 'image', Buffer.concat([PNG, Buffer.alloc(10 * 1024 * 1024)]), 40009],
      ['an unknown type', 'sticker', PNG, 40005],
      ['no media part', 'image', null, 41005],
    ])('%s → %i', async (_, type, data, errcode) => {
      expect((await http.upload(type, data)).errcode).toBe(errcode);
    });
  });

  describe('add_msg_template', () => {
    const ids = (n: number) => Array.from({ length: n }, (_, i) => `wm-${i}`);
    const image = (id: string) => ({ msgtype: 'image', image: { media_id: id } });
    const card = (over: Record<string, unknown> = {}) => ({
      msgtype: 'miniprogram',
      miniprogram: {
        title: '领券',
        pic_media_id: MEDIA,
        appid: 'wx-linked',
        page: 'pages/a',
        ...over,
      },
    });

    const text = { content: 'x' };
    it.each<[string, number, Record<string, unknown>]>([
      ['10,000 ids', 0, { external_userid: ids(10000), text }],
      ['10,001 ids', 40058, { external_userid: ids(10001), text }],
      [
        '4000 bytes of text',
        0,
        { external_userid: ids(1), text: { content: '好'.repeat(1333) + 'a' } },
      ],
      [
        '4001 bytes of text',
        40058,
        { external_userid: ids(1), text: { content: '好'.repeat(1333) + 'ab' } },
      ],
      ['9 attachments', 0, { external_userid: ids(1), attachments: Array(9).fill(image(MEDIA)) }],
      [
        '10 attachments',
        41064,
        { external_userid: ids(1), attachments: Array(10).fill(image(MEDIA)) },
      ],
      ['an unknown media id', 40007, { external_userid: ids(1), attachments: [image('nope')] }],
      [
        'an unknown msgtype',
        41065,
        { external_userid: ids(1), attachments: [{ msgtype: 'voice', voice: {} }] },
      ],
      ['a mini-program card', 0, { external_userid: ids(1), attachments: [card()] }],
      [
        'a 65-byte card title',
        40058,
        { external_userid: ids(1), attachments: [card({ title: 'a'.repeat(65) })] },
      ],
      [
        'an unlinked appid',
        90207,
        { external_userid: ids(1), attachments: [card({ appid: 'wx-other' })] },
      ],
      ['no text and no attachments', 40058, { external_userid: ids(1) }],
      ['an unknown sender', 40003, { external_userid: ids(1), text, sender: 'nobody' }],
      ['chat_type group', 40058, { chat_type: 'group', external_userid: ids(1), text }],
    ])('%s → %i', async (_, errcode, body) => {
      // The uploaded media_id exists only once beforeAll ran; the table is built before that.
      const a = await http.post(SEND, JSON.parse(JSON.stringify(body).replaceAll(MEDIA, mediaId)));
      expect(a.errcode).toBe(errcode);
      expect(a.fail_list).toEqual([]);
      if (errcode === 0) expect(a.msgid).toEqual(expect.stringMatching(/^msg/));
    });

    it('malformed JSON → 40058 with WeCom’s warning', async () => {
      const a = await http.post(SEND, '{"external_userid": [');
      expect(a.errcode).toBe(40058);
      expect(a.errmsg).toContain('Warning: wrong json format.');
    });

    it('a media id expires after its configured lifetime → 40007', async () => {
      const fresh = (await http.upload('image', PNG)).media_id as string;
      const body = { external_userid: ['wm-1'], attachments: [image(fresh)] };
      expect((await http.post(SEND, body)).errcode).toBe(0);
      await sim.advanceClock(3600_000);
      expect((await http.post(SEND, body)).errcode).toBe(40007);
    });

    it('the ledger holds exactly what was accepted, refused calls not', async () => {
      const before = (await sim.messages()).length;
      const a = await http.post(SEND, {
        external_userid: ['wm-a', 'wm-b'],
        text: { content: '你好' },
        attachments: [image((await http.upload('image', PNG)).media_id as string)],
      });
      await http.post(SEND, { external_userid: ['wm-c'], attachments: [image('nope')] });
      const ledger = await sim.messages();
      expect(ledger).toHaveLength(before + 1);
      expect(ledger[ledger.length - 1]).toMatchObject({
        msgid: a.msgid,
        externalUserIds: ['wm-a', 'wm-b'],
        failList: [],
        text: { content: '你好' },
        attachments: [{ msgtype: 'image', image: { media_id: expect.any(String) } }],
      });
    });
  });

  describe('group-message records', () => {
    it('get_groupmsg_list_v2 lists API-created tasks in the time range, paged', async () => {
      const now = Math.floor(Date.now() / 1000);
      const day = 24 * 3600;
      const seen: string[] = [];
      let cursor = '';
      do {
        const page = await http.post('externalcontact/get_groupmsg_list_v2', {
          chat_type: 'single',
          start_time: now - day,
          end_time: now + 2 * day,
          limit: 2,
          cursor,
        });
        expect(page.errcode).toBe(0);
        const list = page.group_msg_list as { msgid: string; create_type: number }[];
        expect(list.length).toBeLessThanOrEqual(2);
        list.forEach((m) => expect(m.create_type).toBe(0));
        seen.push(...list.map((m) => m.msgid));
        cursor = page.next_cursor as string;
      } while (cursor);
      expect(seen).toEqual((await sim.messages()).map((m) => m.msgid));
    });

    it('a time span over one month → 40058', async () => {
      const a = await http.post('externalcontact/get_groupmsg_list_v2', {
        chat_type: 'single',
        start_time: 0,
        end_time: 40 * 24 * 3600,
      });
      expect(a.errcode).toBe(40058);
    });

    it('querying a task still being dispatched → 41063, missing msgid → 41046', async () => {
      await sim.setBehaviour({ dispatchDelayMs: 10_000 });
      const { msgid } = await http.post(SEND, {
        external_userid: ['wm-1'],
        text: { content: 'x' },
      });
      const task = 'externalcontact/get_groupmsg_task';
      expect((await http.post(task, { msgid })).errcode).toBe(41063);
      await sim.advanceClock(10_000);
      expect((await http.post(task, { msgid })).errcode).toBe(0);
      expect((await http.post(task, {})).errcode).toBe(41046);
    });

    it('cancelling twice → 41093', async () => {
      const { msgid } = await http.post(SEND, {
        external_userid: ['wm-1'],
        text: { content: 'x' },
      });
      const cancel = 'externalcontact/cancel_groupmsg_send';
      expect((await http.post(cancel, { msgid })).errcode).toBe(0);
      expect((await http.post(cancel, { msgid })).errcode).toBe(41093);
    });
  });
});
