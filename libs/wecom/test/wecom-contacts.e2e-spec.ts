import { Test, TestingModule } from '@nestjs/testing';
import { APP_CONFIG, AppConfigModule, loadConfig, RedisModule } from '@app/common';
import {
  CONTACT_ENDPOINTS,
  WecomApiRateLimiter,
  WecomContactsClient,
  WecomModule,
  WecomRetryableError,
} from '@app/wecom';
import { SimulatorHarness, startTestSimulator } from '../../../test/utils/simulator';

async function contactsClient(env: Record<string, string>): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule({
    imports: [AppConfigModule, RedisModule, WecomModule],
  })
    .overrideProvider(APP_CONFIG)
    .useValue(loadConfig({ ...process.env, ...env }))
    .compile();
  return moduleRef.init();
}

/** The 客户联系 reads through the client's error policy and the per-API limit in Redis. */
describe('WecomContactsClient', () => {
  let sim: SimulatorHarness;
  let moduleRef: TestingModule;
  let client: WecomContactsClient;

  beforeAll(async () => {
    sim = await startTestSimulator({
      behaviour: { corpMembers: 3, corpContacts: 500, contactCallsPerMinute: 0 },
    });
    moduleRef = await contactsClient({ ...sim.env, WECOM_API_CALLS_PER_MINUTE: '1000' });
    client = moduleRef.get(WecomContactsClient);
  });

  afterEach(() => sim.setFaults({}));

  afterAll(async () => {
    await moduleRef?.close();
    await sim?.close();
  });

  it('reads members, every row of their contacts page by page, and the tag library', async () => {
    const members = await client.followUserList();
    expect(members).toEqual(['zhangsan', 'lisi', 'wangwu']);
    const keys = new Set<string>();
    let cursor = '';
    let pages = 0;
    do {
      const page = await client.byUserPage(members, cursor);
      expect(page.rows.length).toBeLessThanOrEqual(100);
      for (const r of page.rows)
        keys.add(`${r.external_contact.external_userid}/${r.follow_info.userid}`);
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(keys.size).toBeGreaterThan(500);
    expect(pages).toBe(Math.ceil(keys.size / 100));
    const groups = await client.corpTagList();
    expect(groups.map((g) => g.group_name)).toEqual(['客户等级', '购买偏好', '来源渠道']);
  });

  it('refuses more than 100 userids before calling', async () => {
    const before = await sim.requests('externalcontact/batch/get_by_user');
    const ids = Array.from({ length: 101 }, (_, i) => `u${i}`);
    await expect(client.byUserPage(ids, '')).rejects.toThrow(RangeError);
    expect(await sim.requests('externalcontact/batch/get_by_user')).toBe(before);
  });

  it.each([
    ['45009', { rateLimitRate: 1 }],
    ['-1', { busyRate: 1 }],
  ])('%s is retryable', async (_, faults) => {
    await sim.setFaults(faults);
    await expect(client.byUserPage(['lisi'], '')).rejects.toBeInstanceOf(WecomRetryableError);
  });

  it('a refused token is fetched again and the call replayed once', async () => {
    await client.corpTagList();
    await sim.revokeTokens(42001);
    const tokens = await sim.requests('gettoken');
    expect(await client.followUserList()).toHaveLength(3);
    expect(await sim.requests('gettoken')).toBe(tokens + 1);
  });

  it('an endpoint that spent its minute waits, in every process; other endpoints do not', async () => {
    const env = {
      ...sim.env,
      WECOM_API_CALLS_PER_MINUTE: '2',
      REDIS_KEY_PREFIX: `wpp-rate-${Date.now()}`,
    };
    const [a, b] = [await contactsClient(env), await contactsClient(env)];
    try {
      const [limitA, limitB] = [a.get(WecomApiRateLimiter), b.get(WecomApiRateLimiter)];
      const { batchGetByUser, getCorpTagList } = CONTACT_ENDPOINTS;
      // Away from a minute's end, so the three takes fall in one window.
      const intoMinute = Date.now() % 60_000;
      if (intoMinute > 55_000) await new Promise((r) => setTimeout(r, 60_000 - intoMinute + 20));
      expect(await limitA.tryTake(batchGetByUser)).toBe(0);
      expect(await limitB.tryTake(batchGetByUser)).toBe(0);
      const wait = await limitA.tryTake(batchGetByUser);
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThanOrEqual(60_000 - (Date.now() % 60_000) + 50);
      expect(await limitB.tryTake(getCorpTagList)).toBe(0);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
