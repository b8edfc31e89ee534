import { DataSource } from 'typeorm';
import { formatDateTime, weekDay } from '@app/common';
import { buildDataSourceOptions, runMigrations } from '@app/database';
import { OPERATOR_1_TOKEN } from '../test-env';
import { freeTcpPort, PrivateMariaDb, startPrivateMariaDb } from '../utils/mariadb-server';
import { eventually, PERMISSIVE_POLICY, seedBuyers, setPolicy } from '../utils/pipeline';
import { RunningProcess, runTs, START_MS } from '../utils/process';
import { plainRuleBody } from '../utils/rule-factory';
import { SimulatorHarness, startTestSimulator } from '../utils/simulator';

const ADD = 'externalcontact/add_msg_template';

/**
 * Issue 18's MySQL proof with real processes: the api and a worker on a MariaDB server of the
 * test's own, which is killed (SIGKILL: a crash, InnoDB recovers at the restart) while a
 * 20-batch run is sending, with WeCom calls in flight, and started again. WeCom's answers that
 * arrive while MySQL is down are kept in the answer journal; the jobs retry over the outage.
 * The run completes without an operator: every batch `sent` (none `unknown` that WeCom had
 * accepted), every task's msgid recorded, nobody reached twice.
 */
describe('MariaDB restarted while a run is sending (real processes)', () => {
  const BATCHES = 20;
  const PER_BATCH = 5;
  const DB = 'wpp_restart';
  let mariadb: PrivateMariaDb | undefined;
  let sim: SimulatorHarness | undefined;
  let db: DataSource | undefined;
  const children: RunningProcess[] = [];
  let apiBase = '';

  const env = () => ({
    ...(mariadb as PrivateMariaDb).env(DB),
    ...(sim as SimulatorHarness).env,
    LOG_LEVEL: 'info',
    PUSH_BATCH_SIZE: String(PER_BATCH),
    WORKER_CONCURRENCY: '2',
    WECOM_MAX_CALLS_PER_SECOND: '100',
    RECONCILE_INTERVAL_SECONDS: '5',
  });
  const post = async (route: string, body: unknown) => {
    const res = await fetch(`${apiBase}${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR_1_TOKEN}` },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as { data: Record<string, unknown> } };
  };
  const logs = () =>
    [
      mariadb?.logs() ?? '',
      ...children.map((c) => `--- ${c.child.spawnargs.join(' ')}\n${c.output()}`),
    ]
      .join('\n')
      .slice(-20_000);

  beforeAll(async () => {
    mariadb = await startPrivateMariaDb();
    await runMigrations({ ...mariadb.env(DB), DB_PORT: mariadb.port });
    sim = await startTestSimulator();
    db = new DataSource({
      ...buildDataSourceOptions({ ...mariadb.env(DB), DB_PORT: mariadb.port }),
      poolSize: 2,
    });
    await db.initialize();
    await setPolicy(db, PERMISSIVE_POLICY);
    const port = await freeTcpPort();
    apiBase = `http://127.0.0.1:${port}`;
    const api = runTs('apps/api/src/main.ts', [], { ...env(), PORT: String(port) });
    const worker = runTs('apps/worker/src/main.ts', [], env());
    children.push(api, worker);
    await Promise.all([
      api.waitFor(/api listening/, START_MS),
      worker.waitFor(/worker started/, START_MS),
    ]);
  }, 2 * START_MS);

  afterAll(async () => {
    for (const c of children) {
      c.kill('SIGKILL');
      await c.exited();
    }
    await db?.destroy().catch(() => undefined);
    await sim?.close();
    await mariadb?.close();
  });

  it('kill -9 of MariaDB mid-run, then a restart: every batch sent once, no unknown, the run completes', async () => {
    try {
      const database = db as DataSource;
      const recipients = await seedBuyers(database, BATCHES * PER_BATCH, { daysAgo: 40 });
      // A slot three days ahead: the scheduler never fires this rule during the test.
      const later = new Date(Date.now() + 3 * 86_400_000);
      const body = plainRuleBody({
        name: '数据库重启',
        content: '内容-数据库重启',
        startDate: '2020-01-01',
        endDate: '2099-12-31',
        weekDayPushTime: [{ week: weekDay(later), time: formatDateTime(later).slice(11, 16) }],
      });
      expect((await post('/wechatpush/create', body)).status).toBe(200);
      const [rule] = await database.query('SELECT id FROM wechat_push WHERE name = ?', [
        '数据库重启',
      ]);
      // Slow WeCom: two calls in flight at any time while the run sends.
      await (sim as SimulatorHarness).setFaults({ latencyMs: 1_500, endpoints: [ADD] });
      const trig = await post('/wechatpush/trigger', { id: Number(rule.id) });
      expect(trig.status).toBe(200);
      const runId = trig.body.data.runId as number;
      const created = async () => (await (sim as SimulatorHarness).messages()).length;
      // A call received since the last look and not yet answered: the kill comes while WeCom
      // works on it for more than a second yet (an older call could be answered, and written
      // to MySQL, in the moment before the kill — then nothing tested the journal).
      let seen = 0;
      const atKill = await eventually(
        async () => {
          const requests = await (sim as SimulatorHarness).requests(ADD);
          const n = await created();
          const fresh = requests > seen;
          seen = requests;
          return n >= 3 && fresh && requests > n ? n : undefined;
        },
        60_000,
        'some batches sent and a call in flight',
      );
      await (mariadb as PrivateMariaDb).kill();
      await database.destroy().catch(() => undefined);
      // WeCom answers the call that was in flight while MySQL is down.
      await eventually(
        async () => (await created()) > atKill,
        30_000,
        'an answer during the outage',
      );
      expect(await created()).toBeLessThan(BATCHES);
      await (mariadb as PrivateMariaDb).start();
      await database.initialize();

      const run = await eventually(
        async () => {
          const [r] = await database.query('SELECT * FROM wechat_push_runs WHERE id = ?', [runId]);
          return r?.state === 'completed' ? r : undefined;
        },
        240_000,
        'run completed',
      );
      const batches: { state: string; msgid: string | null }[] = await database.query(
        'SELECT state, msgid FROM wechat_push_batches WHERE run_id = ? ORDER BY batch_no',
        [runId],
      );
      expect(batches).toHaveLength(BATCHES);
      expect(batches.filter((b) => b.state !== 'sent')).toEqual([]);
      expect(run.sent_batches).toBe(BATCHES);
      // Every task WeCom created is the msgid of exactly one batch.
      const ledger = await (sim as SimulatorHarness).messages();
      expect(ledger).toHaveLength(BATCHES);
      expect(new Set(batches.map((b) => b.msgid))).toEqual(new Set(ledger.map((m) => m.msgid)));
      const counts = new Map<string, number>();
      for (const m of ledger)
        for (const id of m.externalUserIds) counts.set(id, (counts.get(id) ?? 0) + 1);
      expect(counts.size).toBe(recipients.length);
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
      // An answer that came during the outage was recorded from the journal.
      expect(children[1].output()).toMatch(/"source":"journal"/);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${logs()}`);
    }
  }, 420_000);
});
