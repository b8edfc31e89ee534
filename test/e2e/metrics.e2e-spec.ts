import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { MetricsRegistry } from '@app/common';
import { WorkerWithHealthModule } from '../../apps/worker/src/worker.module';
import { startApi } from '../utils/api-app';
import { OrderFeedService } from '@app/ingest';
import { parseMetrics, Sample, sampleValue } from '../utils/metrics';
import {
  eventually,
  PERMISSIVE_POLICY,
  PipelineHarness,
  resetPipelineTables,
  seedBuyers,
  setPolicy,
  startPipeline,
} from '../utils/pipeline';
import { plainRuleBody } from '../utils/rule-factory';
import { OPERATOR_1_TOKEN } from '../test-env';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
const ADD_MSG = 'externalcontact/add_msg_template';

describe('GET /metrics without METRICS_TOKEN', () => {
  it('answers 404 exactly as an unknown route does, whatever the credential', async () => {
    delete process.env.METRICS_TOKEN;
    const api = await startApi();
    try {
      const http = request(api.app.getHttpServer());
      const unknown = await http.get('/no-such-route');
      for (const auth of [undefined, `Bearer ${METRICS_TOKEN}`, `Bearer ${OPERATOR_1_TOKEN}`]) {
        const req = http.get('/metrics');
        if (auth) req.set('Authorization', auth);
        const res = await req;
        expect(res.status).toBe(404);
        expect(res.body.error.code).toBe('ROUTE_NOT_FOUND');
        expect(res.body.error.message).toBe(
          unknown.body.error.message.replace('/no-such-route', '/metrics'),
        );
      }
    } finally {
      await api.close();
    }
  });
});

describe('GET /metrics on the api and the worker, after real runs', () => {
  let p: PipelineHarness;
  const scrapeApi = (auth?: string) => {
    const req = request(p.api.app.getHttpServer()).get('/metrics');
    if (auth) req.set('Authorization', auth);
    return req;
  };
  /** The api's series once `ready` holds for them (figures from MySQL are cached 10 s). */
  const apiSeries = (ready: (s: Sample[]) => boolean) =>
    eventually(
      async () => {
        const res = await scrapeApi(`Bearer ${METRICS_TOKEN}`);
        expect(res.status).toBe(200);
        const samples = parseMetrics(res.text);
        return ready(samples) && samples;
      },
      30_000,
      'api metrics',
    );
  const workerSeries = async () => parseMetrics(await p.worker.get(MetricsRegistry).text());

  beforeAll(async () => {
    p = await startPipeline({
      env: {
        METRICS_TOKEN,
        THROTTLE_LIMIT: '15',
        BATCH_MAX_ATTEMPTS: '2',
        BATCH_RETRY_MAX_DELAY_MS: '200',
        DELIVERY_POLL_DELAY_MINUTES: '600',
      },
    });
    await resetPipelineTables(p.db);
    await setPolicy(p.db, PERMISSIVE_POLICY);
  });
  afterAll(async () => {
    await p?.quiesce();
    await p?.close();
    delete process.env.METRICS_TOKEN;
  });

  const createRule = async (name: string) => {
    const res = await p.api.post('/wechatpush/create', plainRuleBody({ name }));
    expect(res.status).toBe(200);
    const [row] = await p.db.query('SELECT id FROM wechat_push WHERE name = ?', [name]);
    return Number(row.id);
  };
  const runToEnd = async (pushId: number) => {
    const res = await p.api.post('/wechatpush/trigger', { id: pushId });
    expect(res.status).toBe(200);
    const runId = res.body.data.runId as number;
    return eventually(
      async () => {
        const [run] = await p.db.query('SELECT state FROM wechat_push_runs WHERE id = ?', [runId]);
        return run?.state === 'completed' && run;
      },
      30_000,
      `run ${runId} completed`,
    );
  };

  it('refuses a missing or wrong token with 401, never counting scrapes in the rate limit', async () => {
    for (const auth of [
      undefined,
      'Bearer wrong-token-0123456789abcdef',
      `Bearer ${METRICS_TOKEN}x`,
      `Bearer ${OPERATOR_1_TOKEN}`,
      `Basic ${Buffer.from(`x:${METRICS_TOKEN}`).toString('base64')}`,
    ]) {
      const res = await scrapeApi(auth);
      expect({ auth, status: res.status }).toEqual({ auth, status: 401 });
      expect(res.body.error.code).toBe('UNAUTHORIZED');
      expect(res.text).not.toContain('wpp_');
    }
    // THROTTLE_LIMIT is 15 a minute: 20 scrapes all answer.
    for (let i = 0; i < 20; i++) {
      const res = await scrapeApi(`Bearer ${METRICS_TOKEN}`);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain;.*version=0\.0\.4/);
    }
  });

  it('is not in the OpenAPI document', async () => {
    const res = await request(p.api.app.getHttpServer())
      .get('/docs-json')
      .set('Authorization', `Bearer ${OPERATOR_1_TOKEN}`);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.paths)).not.toContain('/metrics');
  });

  it('after a sent run and a failed one: runs and batches by state, recipients per rule, WeCom calls by endpoint and errcode', async () => {
    const ids = await seedBuyers(p.db, 3, { daysAgo: 40 });
    const sentRule = await createRule('指标-发送');
    await runToEnd(sentRule);
    await p.sim.setFaults({ busyRate: 1, endpoints: [ADD_MSG] });
    const failedRule = await createRule('指标-失败');
    await runToEnd(failedRule);
    await p.sim.setFaults({});

    const api = await apiSeries((s) => sampleValue(s, 'wpp_runs', { state: 'completed' }) === 2);
    expect(sampleValue(api, 'wpp_runs', { state: 'failed' })).toBe(0);
    expect(sampleValue(api, 'wpp_runs', { state: 'missed' })).toBe(0);
    expect(sampleValue(api, 'wpp_batches', { state: 'sent' })).toBe(1);
    expect(sampleValue(api, 'wpp_batches', { state: 'failed' })).toBe(1);
    expect(sampleValue(api, 'wpp_batches', { state: 'unknown' })).toBe(0);
    expect(sampleValue(api, 'wpp_batch_unknown_oldest_seconds')).toBe(0);
    const rule = (id: number, outcome: string) =>
      sampleValue(api, 'wpp_rule_recipients', { rule_id: String(id), outcome });
    expect([rule(sentRule, 'sent'), rule(sentRule, 'failed'), rule(sentRule, 'excluded')]).toEqual([
      ids.length,
      0,
      0,
    ]);
    expect(rule(failedRule, 'sent')).toBe(0);
    expect(sampleValue(api, 'wpp_rule_last_audience', { rule_id: String(sentRule) })).toBe(3);
    expect(
      sampleValue(api, 'wpp_rule_info', { rule_id: String(sentRule), rule_name: '指标-发送' }),
    ).toBe(1);
    expect(sampleValue(api, 'wpp_metrics_source_up', { source: 'mysql' })).toBe(1);
    // The worker's startup scan ran moments ago.
    expect(sampleValue(api, 'wpp_scheduler_last_scan_age_seconds')).toBeLessThan(120);
    expect(api.some((s) => s.name === 'process_cpu_user_seconds_total')).toBe(true);

    // WeCom calls are counted where they are made: in the worker.
    const worker = await workerSeries();
    const calls = (endpoint: string, errcode: string) =>
      sampleValue(worker, 'wpp_wecom_calls_total', { endpoint, errcode });
    expect(calls(ADD_MSG, '0')).toBe(1);
    expect(calls(ADD_MSG, '-1')).toBe(2); // BATCH_MAX_ATTEMPTS
    expect(calls('gettoken', '0')).toBe(1);
    expect(
      sampleValue(worker, 'wpp_wecom_call_duration_seconds_count', { endpoint: ADD_MSG }),
    ).toBe(3);
    expect(sampleValue(worker, 'wpp_run_selection_seconds_count')).toBe(2);
    expect(sampleValue(worker, 'wpp_queue_jobs', { queue: 'push-batch', state: 'waiting' })).toBe(
      0,
    );
    expect(
      sampleValue(worker, 'wpp_queue_jobs', { queue: 'wecom-callback-events', state: 'failed' }),
    ).toBe(0);
  });

  it('the order feed: its age, whether the freshness guard skips slots, and file imports by state', async () => {
    await p.db.query('DELETE FROM order_feeds');
    await p.db.query('DELETE FROM order_imports');
    const scrape = async () => parseMetrics(await p.worker.get(MetricsRegistry).text());
    // No feed: no age, not stale.
    let s = await scrape();
    expect(s.filter((x) => x.name === 'wpp_order_feed_last_success_age_seconds')).toEqual([]);
    expect(sampleValue(s, 'wpp_order_feed_stale')).toBe(0);
    expect(sampleValue(s, 'wpp_order_imports', { state: 'running' })).toBe(0);
    // A Youzan pull 30 hours ago (ORDER_FEED_MAX_AGE_HOURS 24) and an import running.
    const feeds = p.worker.get(OrderFeedService);
    await feeds.recordSuccess('youzan', new Date(p.clock.now().getTime() - 30 * 3_600_000));
    await p.db.query(
      `INSERT INTO order_imports (created_by, created_at, updated_at, file_name, file_path, file_size,
                                  file_sha256, format, dry_run, state, rows_read)
       VALUES ('test', NOW(3), NOW(3), 'o.csv', '/tmp/o.csv', 10, REPEAT('a', 64), 'csv', 0, 'running', 1234)`,
    );
    s = await scrape();
    const age = sampleValue(s, 'wpp_order_feed_last_success_age_seconds', { feed: 'youzan' });
    expect(age).toBeGreaterThanOrEqual(30 * 3600);
    expect(age).toBeLessThan(30 * 3600 + 120);
    expect(sampleValue(s, 'wpp_order_feed_stale')).toBe(1);
    expect(sampleValue(s, 'wpp_order_imports', { state: 'running' })).toBe(1);
    expect(sampleValue(s, 'wpp_order_import_rows_read')).toBe(1234);
    // A pull now: fresh again.
    await feeds.recordSuccess('youzan', p.clock.now());
    expect(sampleValue(await scrape(), 'wpp_order_feed_stale')).toBe(0);
    await p.db.query('DELETE FROM order_feeds');
    await p.db.query('DELETE FROM order_imports');
  });

  it("the worker's WORKER_PORT app serves the same route: 401 without the token, its series with it", async () => {
    const ref = await Test.createTestingModule({ imports: [WorkerWithHealthModule] }).compile();
    ref.useLogger(false);
    const app: INestApplication = ref.createNestApplication({ logger: false });
    await app.init();
    try {
      const http = request(app.getHttpServer());
      expect((await http.get('/metrics')).status).toBe(401);
      expect(
        (await http.get('/metrics').set('Authorization', `Bearer ${OPERATOR_1_TOKEN}`)).status,
      ).toBe(401);
      const res = await http.get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`);
      expect(res.status).toBe(200);
      const samples = parseMetrics(res.text);
      expect(sampleValue(samples, 'wpp_queue_jobs', { queue: 'push-slot', state: 'active' })).toBe(
        0,
      );
      expect(sampleValue(samples, 'wpp_runs', { state: 'completed' })).toBe(2);
      expect(samples.some((s) => s.name === 'nodejs_heap_size_used_bytes')).toBe(true);
    } finally {
      await app.close();
    }
  });
});
