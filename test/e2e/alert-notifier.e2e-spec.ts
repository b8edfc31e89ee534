import http from 'node:http';
import { AddressInfo } from 'node:net';
import { AlertNotifier } from '../../apps/worker/src/alerts/alert-notifier.service';
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
import { SimulatorHarness, startTestSimulator } from '../utils/simulator';

const ROBOT_KEY = 'ops-robot-0001';

interface RobotMessage {
  key: string;
  msgtype: string;
  content: string;
}

describe('alert notifier: incidents in MySQL → one WeCom group robot message each, rate-limited', () => {
  let p: PipelineHarness;
  let robot: SimulatorHarness;
  let images: http.Server;
  let missingImage: string;
  let notifier: AlertNotifier;

  const robotMessages = async (): Promise<RobotMessage[]> => {
    const res = await fetch(`${robot.url}/__sim/robot-messages?key=${ROBOT_KEY}`);
    return ((await res.json()) as { messages: RobotMessage[] }).messages;
  };
  const postRobot = async (key: string, body: unknown) =>
    (await (
      await fetch(`${robot.url}/cgi-bin/webhook/send?key=${key}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    ).json()) as { errcode: number; errmsg: string };

  beforeAll(async () => {
    images = http.createServer((_req, res) => void res.writeHead(404).end());
    await new Promise<void>((r) => images.listen(0, '127.0.0.1', r));
    missingImage = `http://127.0.0.1:${(images.address() as AddressInfo).port}/missing.png`;
    // A second simulator plays the operators' group robot.
    robot = await startTestSimulator();
    p = await startPipeline({
      env: {
        ALERT_WECOM_WEBHOOK: `${robot.url}/cgi-bin/webhook/send?key=${ROBOT_KEY}`,
        MEDIA_ALLOWED_HOSTS: '127.0.0.1',
      },
    });
    notifier = p.worker.get(AlertNotifier);
    await resetPipelineTables(p.db);
    await setPolicy(p.db, PERMISSIVE_POLICY);
    await seedBuyers(p.db, 3, { daysAgo: 40 });
  });
  afterAll(async () => {
    await p?.quiesce();
    await p?.close();
    await robot?.close();
    await new Promise((r) => images.close(r));
    delete process.env.ALERT_WECOM_WEBHOOK;
  });

  const failedRun = async (name: string) => {
    const res = await p.api.post('/wechatpush/create', plainRuleBody({ name, img: missingImage }));
    expect(res.status).toBe(200);
    const [rule] = await p.db.query('SELECT id FROM wechat_push WHERE name = ?', [name]);
    const trigger = await p.api.post('/wechatpush/trigger', { id: rule.id });
    expect(trigger.status).toBe(200);
    const runId = trigger.body.data.runId as number;
    await eventually(
      async () =>
        (await p.db.query('SELECT state FROM wechat_push_runs WHERE id = ?', [runId]))[0]?.state ===
        'failed',
      30_000,
      `run ${runId} failed`,
    );
    return { ruleId: Number(rule.id), runId };
  };

  it('a failed run → exactly one robot message, however often the workers poll', async () => {
    const { ruleId, runId } = await failedRun('告警-图片缺失');
    const reports = await Promise.all([notifier.poll(), notifier.poll(), notifier.poll()]);
    expect(reports.reduce((n, r) => n + r.sent, 0)).toBe(1);
    expect(await notifier.poll()).toMatchObject({ incidents: 0, sent: 0 });
    const messages = await robotMessages();
    expect(messages).toHaveLength(1);
    expect(messages[0].msgtype).toBe('markdown');
    expect(messages[0].content).toContain('推送失败');
    expect(messages[0].content).toContain(`告警-图片缺失（#${ruleId}）`);
    expect(messages[0].content).toContain(`运行 #${runId}`);
    expect(messages[0].content).toMatch(/attachments: .*HTTP 404/);
  });

  it('a second failure of the same rule within 10 minutes is held (counted for its next message); another rule is told at once', async () => {
    const before = (await robotMessages()).length;
    // Same rule name → same rule: a second run of it (manual triggers a second apart).
    const [rule] = await p.db.query('SELECT id FROM wechat_push WHERE name = ?', ['告警-图片缺失']);
    await new Promise((r) => setTimeout(r, 1100));
    const trigger = await p.api.post('/wechatpush/trigger', { id: rule.id });
    const runId = trigger.body.data.runId as number;
    await eventually(
      async () =>
        (await p.db.query('SELECT state FROM wechat_push_runs WHERE id = ?', [runId]))[0]?.state ===
        'failed',
      30_000,
      'second run failed',
    );
    expect(await notifier.poll()).toMatchObject({ incidents: 1, sent: 0, suppressed: 1 });
    expect(await robotMessages()).toHaveLength(before);
    expect(
      await p.redis.get(`${process.env.REDIS_KEY_PREFIX}:alerts:held:run_failed:${rule.id}`),
    ).toBe('1');

    await failedRun('告警-另一条规则');
    expect(await notifier.poll()).toMatchObject({ incidents: 1, sent: 1, suppressed: 0 });
    const messages = await robotMessages();
    expect(messages).toHaveLength(before + 1);
    expect(messages.at(-1)?.content).toContain('告警-另一条规则');
  });

  it('missed runs and unknown batches get their own messages', async () => {
    const before = (await robotMessages()).length;
    const [rule] = await p.db.query('SELECT id FROM wechat_push WHERE name = ?', [
      '告警-另一条规则',
    ]);
    const inserted = await p.db.query(
      `INSERT INTO wechat_push_runs (push_id, kind, slot_at, state, reason, rule_name, created_at, updated_at)
       VALUES (?, 'scheduled', ?, 'missed', 'job ran 35 minutes late', '告警-另一条规则', ?, ?)`,
      [rule.id, new Date(Date.now() - 40 * 60_000), new Date(), new Date()],
    );
    const runId = Number(inserted.insertId);
    const batch = await p.db.query(
      `INSERT INTO wechat_push_batches (run_id, batch_no, state, recipient_count, recipients, errmsg, created_at, updated_at)
       VALUES (?, 0, 'unknown', 1, '["ext-x"]', 'timeout after the request left', ?, ?)`,
      [runId, new Date(), new Date()],
    );
    expect(await notifier.poll()).toMatchObject({ incidents: 2, sent: 2 });
    const messages = (await robotMessages()).slice(before);
    expect(messages.map((m) => m.content.split('\n')[0]).sort()).toEqual(
      [
        '**【企微推送告警】批次结果未知（系统将核对企业微信群发记录）**',
        '**【企微推送告警】推送时段错过（未发送）**',
      ].sort(),
    );
    expect(messages.find((m) => m.content.includes('批次'))?.content).toContain(
      `批次 #${Number(batch.insertId)}（运行 #${runId}）`,
    );
  });

  it("the simulator's robot checks messages as WeCom does", async () => {
    expect(await postRobot('', { msgtype: 'text', text: { content: 'x' } })).toMatchObject({
      errcode: 93000,
    });
    expect(await postRobot('k-1', { msgtype: 'image', image: {} })).toMatchObject({
      errcode: 40008,
    });
    expect(await postRobot('k-1', { msgtype: 'text', text: { content: ' ' } })).toMatchObject({
      errcode: 44004,
    });
    expect(
      await postRobot('k-1', { msgtype: 'text', text: { content: '告'.repeat(683) } }),
    ).toMatchObject({ errcode: 40058 }); // 2,049 bytes
    expect(
      await postRobot('k-1', { msgtype: 'markdown', markdown: { content: '告'.repeat(1365) } }),
    ).toMatchObject({ errcode: 0 }); // 4,095 bytes
    for (let i = 1; i < 20; i++) {
      expect(await postRobot('k-1', { msgtype: 'text', text: { content: `${i}` } })).toMatchObject({
        errcode: 0,
      });
    }
    expect(await postRobot('k-1', { msgtype: 'text', text: { content: '21' } })).toMatchObject({
      errcode: 45009,
    });
  });
});
