import { shanghaiInstant } from '@app/common';
import { type ExclusionCounts, noExclusions } from '@app/contracts';
import { ApiHarness, startApi } from '../../../test/utils/api-app';
import { resetPipelineTables } from '../../../test/utils/pipeline';

const at = (s: string) => shanghaiInstant(s.slice(0, 10), s.slice(11));
const counts = (c: Partial<ExclusionCounts>): ExclusionCounts => ({ ...noExclusions(), ...c });

/**
 * Runs with what the contact policy kept out of each (wechat_push_runs.excluded), some in the
 * scope and some just outside it. Run 2's JSON names only some reasons; run 4 never selected
 * (NULL). None has a batch: the funnel stays 0 however many were kept out.
 */
const RUNS: {
  id: number;
  pushId: number;
  name: string;
  slotAt: string;
  excluded: string | null;
}[] = [
  {
    id: 1,
    pushId: 1,
    name: '猫砂召回',
    slotAt: '2025-04-01 10:00:00',
    excluded: JSON.stringify(counts({ suppressed: 2, gap: 10 })),
  },
  {
    id: 2,
    pushId: 1,
    name: '猫砂召回',
    slotAt: '2025-04-01 15:00:00',
    excluded: '{"unreachable":1,"cooldown":3,"dayCap":4}',
  },
  {
    id: 3,
    pushId: 2,
    name: '狗粮',
    slotAt: '2025-04-02 09:00:00',
    excluded: JSON.stringify(counts({ gap: 1, weekCap: 5, wecomCap: 6 })),
  },
  { id: 4, pushId: 2, name: '狗粮', slotAt: '2025-04-02 12:00:00', excluded: null },
  // Outside 04-01…04-03: a minute before, and a week after.
  {
    id: 5,
    pushId: 3,
    name: '其他',
    slotAt: '2025-03-31 23:59:00',
    excluded: JSON.stringify(counts({ gap: 1000 })),
  },
  {
    id: 6,
    pushId: 1,
    name: '猫砂召回',
    slotAt: '2025-04-10 10:00:00',
    excluded: JSON.stringify(counts({ suppressed: 100, dayCap: 100 })),
  },
];

const RUN_1 = counts({ suppressed: 2, gap: 10 });
const RUN_2 = counts({ unreachable: 1, cooldown: 3, dayCap: 4 });
const RUN_3 = counts({ gap: 1, weekCap: 5, wecomCap: 6 });
const APRIL_1_TO_3 = { startTime: '2025-04-01', endTime: '2025-04-03' };

describe('statistics: customers the contact policy kept out of the scope’s runs', () => {
  let api: ApiHarness;

  beforeAll(async () => {
    api = await startApi();
    await resetPipelineTables(api.db);
    for (const r of RUNS) {
      await api.db.query(
        `INSERT INTO wechat_push_runs (id, push_id, kind, slot_at, state, rule_name, excluded,
           created_at, updated_at)
         VALUES (?, ?, 'scheduled', ?, 'completed', ?, ?, NOW(), NOW())`,
        [r.id, r.pushId, at(r.slotAt), r.name, r.excluded],
      );
    }
  });
  afterAll(async () => {
    await api?.close();
  });

  const post = async (route: string, body: Record<string, unknown>) => {
    const res = await api.post(`/statistic/wechatpush/${route}`, body);
    expect(res.status).toBe(200);
    return res.body.data;
  };

  it.each([
    [
      'a range: runs 1–4, NULL and missing reasons as 0',
      APRIL_1_TO_3,
      counts({
        unreachable: 1,
        suppressed: 2,
        cooldown: 3,
        gap: 11,
        dayCap: 4,
        weekCap: 5,
        wecomCap: 6,
      }),
    ],
    [
      'a rule (name 猫砂): runs 1 and 2',
      { ...APRIL_1_TO_3, name: '猫砂' },
      counts({
        unreachable: 1,
        suppressed: 2,
        cooldown: 3,
        gap: 10,
        dayCap: 4,
      }),
    ],
    [
      'a rule whose only runs in the range are 3 and 4 (NULL)',
      { ...APRIL_1_TO_3, name: '狗粮' },
      RUN_3,
    ],
    [
      'a time of day: from 04-01 12:00, runs 2–4',
      { startTime: '2025-04-01 12:00:00', endTime: '2025-04-03' },
      counts({
        unreachable: 1,
        cooldown: 3,
        gap: 1,
        dayCap: 4,
        weekCap: 5,
        wecomCap: 6,
      }),
    ],
    ['a range without runs', { startTime: '2024-01-01', endTime: '2024-12-31' }, noExclusions()],
  ])('result: %s', async (_what, body, excluded) => {
    const figures = await post('result', body);
    expect(figures.excluded).toEqual(excluded);
    // Kept out means never sent: nothing of it enters the funnel.
    expect(figures).toMatchObject({ pushCount: 0, failCount: 0, successCount: 0 });
  });

  it('runs: each run its own counts, a run that never selected all 0', async () => {
    const byRule = async (id: number) =>
      (await post('runs', { ...APRIL_1_TO_3, id })).data.map(
        (r: { runId: number; excluded: ExclusionCounts }) => [r.runId, r.excluded],
      );
    expect(await byRule(1)).toEqual([
      [2, RUN_2],
      [1, RUN_1],
    ]);
    expect(await byRule(2)).toEqual([
      [4, noExclusions()],
      [3, RUN_3],
    ]);
  });

  it('daily: each day the sum of its runs, a day without runs all 0', async () => {
    const days = await post('daily', APRIL_1_TO_3);
    expect(
      days.map((d: { day: string; excluded: ExclusionCounts }) => [d.day, d.excluded]),
    ).toEqual([
      ['2025-04-01', counts({ unreachable: 1, suppressed: 2, cooldown: 3, gap: 10, dayCap: 4 })],
      ['2025-04-02', RUN_3],
      ['2025-04-03', noExclusions()],
    ]);
  });
});
