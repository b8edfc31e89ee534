import { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import {
  APP_CONFIG,
  AppConfigModule,
  ClockModule,
  formatDateTime,
  loadConfig,
  RedisModule,
} from '@app/common';
import { DatabaseModule } from '@app/database';
import { IngestOrdersService } from '@app/ingest';
import { YouzanModule, YouzanPullService } from '@app/youzan';
import { truncate } from '../../../test/utils/db';
import { resetIngestTables } from '../../ingest/test/ingest-harness';
import {
  SimOrderView,
  startTestYouzanSimulator,
  YouzanSimulatorHarness,
} from '../../../test/utils/youzan-simulator';

interface OrderRow {
  order_number: string;
  payment: string;
  refunded_fee: string | null;
  status: string;
}

describe('Youzan incremental pull (simulator, real MariaDB and Redis)', () => {
  let sim: YouzanSimulatorHarness;
  let ctx: INestApplicationContext;
  let db: DataSource;
  let pulls: YouzanPullService;

  const stored = async (): Promise<Map<string, OrderRow>> => {
    const rows: OrderRow[] = await db.query(
      'SELECT order_number, payment, refunded_fee, status FROM youzan_orders WHERE ingest_number IS NOT NULL',
    );
    return new Map(rows.map((r) => [r.order_number, r]));
  };

  /** youzan_orders holds exactly the simulator's paid trades, with their amounts and statuses. */
  async function expectEqualToSimulator(): Promise<SimOrderView[]> {
    const paid = (await sim.orders()).filter((o) => o.status !== null);
    const rows = await stored();
    expect(rows.size).toBe(paid.length);
    const mismatches = paid.filter((o) => {
      const r = rows.get(o.tid);
      return (
        !r ||
        r.status !== o.status ||
        Number(r.payment).toFixed(2) !== o.payment ||
        (r.refunded_fee === null ? null : Number(r.refunded_fee).toFixed(2)) !== o.refundedFee
      );
    });
    expect(mismatches.map((o) => ({ sim: o, db: rows.get(o.tid) }))).toEqual([]);
    return paid;
  }

  const watermark = async (): Promise<Date> =>
    (await db.query('SELECT watermark FROM youzan_pull_state'))[0].watermark;

  beforeAll(async () => {
    sim = await startTestYouzanSimulator({ settings: { trades: 400, days: 10, seed: 7 } });
    const config = loadConfig({
      ...process.env,
      ...sim.env,
      YOUZAN_PAGE_SIZE: '50',
      YOUZAN_INITIAL_PULL_DAYS: '12',
      YOUZAN_PULL_SLICE_HOURS: '72',
      YOUZAN_PULL_OVERLAP_MINUTES: '10',
    });
    const moduleRef = await Test.createTestingModule({
      imports: [AppConfigModule, ClockModule, DatabaseModule, RedisModule, YouzanModule],
    })
      .overrideProvider(APP_CONFIG)
      .useValue(config)
      .compile();
    ctx = await moduleRef.init();
    db = ctx.get(DataSource);
    pulls = ctx.get(YouzanPullService);
    await resetIngestTables(db);
    await truncate(db, 'youzan_pull_state');
  });

  afterAll(async () => {
    await ctx?.close();
    await sim?.close();
  });

  it('the first pull reads the initial span, slice by slice and page by page, and stores every paid trade', async () => {
    const upsert = jest.spyOn(ctx.get(IngestOrdersService), 'upsert');
    const report = await pulls.pull();
    const paid = await expectEqualToSimulator();
    // Pages are stored together (up to 1,000 trades a call), not one call per page of 50.
    expect(upsert.mock.calls.length).toBeLessThanOrEqual(4);
    expect(upsert.mock.calls.length).toBeLessThan(await sim.requests('youzan.trades.sold.get'));
    upsert.mockRestore();
    expect(report.inserted).toBe(paid.length);
    expect(report.trades).toBeGreaterThanOrEqual(400);
    expect(report.unpaid).toBeGreaterThan(0);
    // 12 days in slices of 72 h, 400 trades in pages of 50: more calls than slices.
    expect(await sim.requests('youzan.trades.sold.get')).toBeGreaterThan(8);
    const [feed] = await db.query(
      "SELECT last_success_at, last_error FROM order_feeds WHERE feed = 'youzan'",
    );
    expect(feed.last_success_at).not.toBeNull();
    expect(feed.last_error).toBeNull();
  });

  it('later pulls bring new and changed trades, and a trade indexed late inside the overlap', async () => {
    const before = await watermark();
    const fresh = await sim.create(25);
    const changed = await sim.churn({ refund: 6, close: 4, complete: 8 });
    // Youzan indexed these late: their update time is 5 minutes before the last pull ended.
    const late = await sim.create(2, formatDateTime(new Date(before.getTime() - 5 * 60_000)));
    const report = await pulls.pull();
    await expectEqualToSimulator();
    expect(report.inserted).toBe(fresh.length + late.length);
    expect(report.updated).toBeGreaterThan(0);
    const rows = await stored();
    for (const tid of [...fresh, ...late]) expect(rows.has(tid)).toBe(true);
    expect(changed.length).toBe(18);
    // Never back; two pulls within one second end at the same (whole-second) watermark.
    expect((await watermark()).getTime()).toBeGreaterThanOrEqual(before.getTime());

    // More changes in between, then again.
    await sim.change(fresh[0], 'refund');
    await sim.change(fresh[1], 'partial-refund');
    await sim.create(3);
    const third = await pulls.pull();
    await expectEqualToSimulator();
    expect(third.inserted).toBe(3);
    expect((await stored()).get(fresh[0])?.status).toBe('refunded');
  });

  it('a pull with nothing new changes nothing (the overlap re-reads, the core writes nothing)', async () => {
    const report = await pulls.pull();
    expect(report.inserted).toBe(0);
    expect(report.updated).toBe(0);
    await expectEqualToSimulator();
  });

  it('the token is fetched once and reused; a revoked one is fetched again', async () => {
    expect(await sim.requests('auth/token')).toBe(1);
    await sim.revokeTokens();
    await pulls.pull();
    expect(await sim.requests('auth/token')).toBe(2);
  });

  it('one pull at a time: a second one at once is skipped', async () => {
    const reports = await Promise.all([pulls.pull(), pulls.pull()]);
    expect(reports.filter((r) => r.skipped === 'running')).toHaveLength(1);
  });

  it('a refused pull records the failure and keeps the watermark; the next one catches up', async () => {
    const before = await watermark();
    await sim.setSettings({ maxPageSize: 20 });
    await expect(pulls.pull()).rejects.toThrow(/page_size/);
    const [feed] = await db.query("SELECT last_error FROM order_feeds WHERE feed = 'youzan'");
    expect(feed.last_error).toMatch(/page_size/);
    expect((await watermark()).getTime()).toBe(before.getTime());
    const missed = await sim.create(4);
    await sim.setSettings({ maxPageSize: 100 });
    await pulls.pull();
    const rows = await stored();
    for (const tid of missed) expect(rows.has(tid)).toBe(true);
    await expectEqualToSimulator();
  });
});
