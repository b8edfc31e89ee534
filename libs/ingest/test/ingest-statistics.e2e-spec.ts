import { shanghaiInstant } from '@app/common';
import { deriveBatchStatistics, writeDeliveryRows } from '@app/stats';
import { ApiHarness, startApi } from '../../../test/utils/api-app';
import { IngestHarness, order, resetIngestTables, startIngest } from './ingest-harness';

const at = (s: string) => shanghaiInstant(s.slice(0, 10), s.slice(11));
const APRIL = { startTime: '2025-04-01', endTime: '2025-04-07' };

/** A status or amount change arriving through the core moves the effect statistics. */
describe('ingestion core and the statistics: a refund stops an order counting', () => {
  let api: ApiHarness;
  let h: IngestHarness;

  const result = async () => {
    const res = await api.post('/statistic/wechatpush/result', APRIL);
    expect(res.status).toBe(200);
    const { orderCount, buyerCount, revenue } = res.body.data;
    return { orderCount, buyerCount, revenue };
  };

  beforeAll(async () => {
    api = await startApi();
    h = await startIngest();
    await resetIngestTables(api.db);
    await api.db.query(
      `INSERT INTO customers (id, name, external_userid) VALUES (1, 'a', 'ext-a'), (2, 'b', 'ext-b')`,
    );
    await api.db.query(
      `INSERT INTO wechat_push_runs (id, push_id, kind, slot_at, state, rule_name, created_at, updated_at)
       VALUES (1, 1, 'scheduled', ?, 'completed', '召回', NOW(), NOW())`,
      [at('2025-04-01 10:00:00')],
    );
    await api.db.query(
      `INSERT INTO wechat_push_batches (id, run_id, batch_no, state, recipient_count, recipients,
         msgid, fail_list, fail_count, finished_at, created_at, updated_at)
       VALUES (1, 1, 1, 'sent', 2, '["ext-a","ext-b"]', 'msg-1', '[]', 0, ?, NOW(), NOW())`,
      [at('2025-04-01 10:00:00')],
    );
    await writeDeliveryRows(api.db, 1, new Date());
    await api.db.transaction((em) => deriveBatchStatistics(em, 1));
  });
  afterAll(async () => {
    await h?.close();
    await api?.close();
  });

  it('a new order counts, a partial refund lowers its revenue, a full refund or a close removes it, paid again brings it back', async () => {
    const o1 = (over = {}) =>
      order('R1', { buyer: { customerId: 1 }, createdAt: at('2025-04-01 12:00:00'), ...over });
    const o2 = order('R2', {
      buyer: { customerId: 2 },
      createdAt: at('2025-04-02 12:00:00'),
      payment: '20.5',
    });
    await h.ingest.upsert([o1(), o2]);
    expect(await result()).toEqual({ orderCount: 2, buyerCount: 2, revenue: '120.50' });

    await h.ingest.upsert([o1({ refundedFee: '30.00' })]);
    expect(await result()).toEqual({ orderCount: 2, buyerCount: 2, revenue: '90.50' });

    await h.ingest.upsert([o1({ status: 'refunded', refundedFee: '100.00' })]);
    expect(await result()).toEqual({ orderCount: 1, buyerCount: 1, revenue: '20.50' });

    await h.ingest.upsert([o1({ status: 'paid' })]);
    expect(await result()).toEqual({ orderCount: 2, buyerCount: 2, revenue: '120.50' });

    await h.ingest.upsert([o1({ status: 'closed' })]);
    expect(await result()).toEqual({ orderCount: 1, buyerCount: 1, revenue: '20.50' });
  });
});
