import { Test } from '@nestjs/testing';
import request from 'supertest';
import { APP_CONFIG, AppConfig, MetricsRegistry } from '@app/common';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { ApiHarness, startApiWith } from '../utils/api-app';
import { truncate } from '../utils/db';
import { parseMetrics, sampleValue } from '../utils/metrics';
import { eventually } from '../utils/pipeline';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
const TABLES = ['wecom_contact_syncs', 'wecom_follow_relations', 'contact_unreachable'];

/** WeCom contacts' series on GET /metrics (api) and in the worker's registry, from MySQL. */
describe('contact sync metrics', () => {
  let api: ApiHarness;
  const scrape = async () => {
    const res = await request(api.app.getHttpServer())
      .get('/metrics')
      .set('Authorization', `Bearer ${METRICS_TOKEN}`);
    expect(res.status).toBe(200);
    return parseMetrics(res.text);
  };

  beforeAll(async () => {
    api = await startApiWith({ METRICS_TOKEN });
  });
  beforeEach(() => truncate(api.db, ...TABLES));
  afterAll(async () => {
    await truncate(api.db, ...TABLES);
    await api.close();
  });

  it('report no run, zero progress and zero counts on an empty database', async () => {
    const s = await scrape();
    expect(sampleValue(s, 'wpp_contacts_sync_running', { kind: 'full' })).toBe(0);
    expect(sampleValue(s, 'wpp_contacts_sync_running', { kind: 'nightly' })).toBe(0);
    expect(sampleValue(s, 'wpp_contacts_sync_progress_rows')).toBe(0);
    expect(sampleValue(s, 'wpp_contacts_sync_progress_members_ratio')).toBe(0);
    expect(sampleValue(s, 'wpp_contacts_last_sync_age_seconds', { kind: 'full' })).toBeUndefined();
    expect(sampleValue(s, 'wpp_contacts_reachable')).toBe(0);
    expect(sampleValue(s, 'wpp_contacts_unreachable', { reason: 'no_follow' })).toBe(0);
  });

  it('show the running sync, its progress, the last completed runs and reachability, on the api and the worker', async () => {
    const corp = api.app.get<AppConfig>(APP_CONFIG).WECOM_CORP_ID || 'corp';
    const members = JSON.stringify(Array.from({ length: 250 }, (_, i) => `m${i}`));
    // Times as Dates: the connection stores DATETIME in the business time zone.
    const ago = (seconds: number) => new Date(Date.now() - seconds * 1000);
    const run = (kind: string, state: string, finishedAgo: number | null, counts: number[]) => [
      corp,
      kind,
      state,
      state === 'running' ? corp : null,
      ago(3 * 86400),
      ago(0),
      finishedAgo === null ? null : ago(finishedAgo),
      state === 'running' ? members : null,
      state === 'running' ? 1 : 0,
      ...counts,
    ];
    await api.db.query(
      `INSERT INTO wecom_contact_syncs
         (corp_id, kind, state, running_corp, started_at, heartbeat_at, finished_at, members, chunk,
          rows_read, follows_added, follows_changed, follows_removed) VALUES ?`,
      [
        [
          run('nightly', 'completed', 2 * 86400, [9, 9, 9, 9]),
          run('full', 'completed', 7200, [50, 40, 0, 0]),
          run('nightly', 'completed', 600, [50, 3, 2, 1]),
          run('full', 'failed', 240, [7, 7, 0, 0]),
          run('full', 'running', null, [1234, 1000, 0, 0]),
        ],
      ],
    );
    await api.db.query(
      `INSERT INTO wecom_follow_relations (external_userid, userid, added_at, removed_at, changed_at) VALUES
        ('wa', 'm1', NOW(), NULL, NOW(3)), ('wa', 'm2', NOW(), NULL, NOW(3)),
        ('wb', 'm1', NOW(), NULL, NOW(3)), ('wc', 'm2', NOW(), NULL, NOW(3)),
        ('wd', 'm1', NOW(), NOW(), NOW(3))`,
    );
    await api.db.query(
      `INSERT INTO contact_unreachable (external_userid, batch_id, since, reason) VALUES
        ('wd', NULL, NOW(), 'no_follow'), ('we', NULL, NOW(), 'no_follow'), ('wf', 7, NOW(), 'not_friend')`,
    );

    const check = (s: ReturnType<typeof parseMetrics>) => {
      expect(sampleValue(s, 'wpp_contacts_sync_running', { kind: 'full' })).toBe(1);
      expect(sampleValue(s, 'wpp_contacts_sync_running', { kind: 'nightly' })).toBe(0);
      expect(sampleValue(s, 'wpp_contacts_sync_progress_rows')).toBe(1234);
      expect(sampleValue(s, 'wpp_contacts_sync_progress_members_ratio')).toBe(0.4);
      const fullAge = sampleValue(s, 'wpp_contacts_last_sync_age_seconds', { kind: 'full' })!;
      expect(fullAge).toBeGreaterThanOrEqual(7200);
      expect(fullAge).toBeLessThan(7200 + 120);
      const nightlyAge = sampleValue(s, 'wpp_contacts_last_sync_age_seconds', { kind: 'nightly' })!;
      expect(nightlyAge).toBeGreaterThanOrEqual(600);
      expect(nightlyAge).toBeLessThan(600 + 120);
      expect(sampleValue(s, 'wpp_contacts_last_sync_corrected', { kind: 'nightly' })).toBe(6);
      expect(sampleValue(s, 'wpp_contacts_last_sync_corrected', { kind: 'full' })).toBe(40);
      expect(sampleValue(s, 'wpp_contacts_reachable')).toBe(3);
      expect(sampleValue(s, 'wpp_contacts_unreachable', { reason: 'no_follow' })).toBe(2);
      expect(sampleValue(s, 'wpp_contacts_unreachable', { reason: 'not_friend' })).toBe(1);
    };
    // The reachability counts are reused for a moment after a read (ten times what it took).
    const s = await eventually(
      async () => {
        const now = await scrape();
        return sampleValue(now, 'wpp_contacts_reachable') === 3 && now;
      },
      10_000,
      'reachability counted again',
    );
    check(s);

    const worker = await Test.createTestingModule({ imports: [WorkerModule] }).compile();
    try {
      check(parseMetrics(await worker.get(MetricsRegistry).text()));
    } finally {
      await worker.close();
    }
  });
});
