import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AUDIENCE_TRIGGERS } from '@app/audience';
import { createTriggers, dropTriggers, TriggerDefinition } from '@app/database';
import { STATS_TRIGGERS } from '@app/stats';
import { AudienceHarness, startAudience } from '../../audience/test/audience-fixtures';

interface Installed {
  name: string;
  timing: string;
  event: string;
  table: string;
  body: string;
  actionOrder: number;
}

const normalised = (sql: string) => sql.replace(/\s+/g, ' ').trim();

/**
 * The migrations keep frozen copies of the triggers; the bulk loader and the benchmarks
 * recreate them from the runtime definitions (libs/audience, libs/stats). After the
 * migrations ran, the two must be the same triggers, or a bulk load would install other rules.
 */
describe('triggers: the runtime definitions are the ones the migrations installed', () => {
  const defined: readonly TriggerDefinition[] = [...AUDIENCE_TRIGGERS, ...STATS_TRIGGERS];
  let h: AudienceHarness;

  const installed = async (): Promise<Map<string, Installed>> => {
    const rows: Installed[] = await h.db.query(
      `SELECT TRIGGER_NAME AS name, ACTION_TIMING AS timing, EVENT_MANIPULATION AS event,
              EVENT_OBJECT_TABLE AS \`table\`, ACTION_STATEMENT AS body, ACTION_ORDER AS actionOrder
         FROM information_schema.TRIGGERS
        WHERE TRIGGER_SCHEMA = DATABASE()
          -- audit_log's guards (refuse UPDATE / DELETE) keep no derived data: the migration
          -- alone installs them, and bulk loads never drop them.
          AND EVENT_OBJECT_TABLE <> 'audit_log'`,
    );
    return new Map(rows.map((r) => [r.name, { ...r, actionOrder: Number(r.actionOrder) }]));
  };

  beforeAll(async () => {
    h = await startAudience();
  });
  afterAll(async () => {
    await h?.close();
  });

  it.each(defined.map((t) => [t.name, t] as const))(
    '%s is installed as defined',
    async (_name, t) => {
      const got = (await installed()).get(t.name);
      expect(got && { ...got, body: normalised(got.body) }).toEqual({
        name: t.name,
        timing: t.timing,
        event: t.event,
        table: t.table,
        body: normalised(t.body),
        actionOrder: expect.any(Number),
      });
    },
  );

  it('every installed trigger has a runtime definition, once', async () => {
    expect([...(await installed()).keys()].sort()).toEqual(defined.map((t) => t.name).sort());
  });

  it.each(defined.map((t) => [t.name, t.rule] as const))(
    'the rule %s keeps is the name of a test in libs/audience or libs/stats',
    async (_name, rule) => {
      const root = join(__dirname, '..', '..');
      const names: string[] = [];
      for (const dir of [join(root, 'audience', 'test'), join(root, 'stats', 'test')]) {
        for (const f of (await readdir(dir)).filter((n) => n.endsWith('.e2e-spec.ts'))) {
          const source = await readFile(join(dir, f), 'utf8');
          for (const m of source.matchAll(/\bit\(\s*(['"`])(.*?)\1,/gs)) names.push(m[2]);
        }
      }
      expect(names.filter((n) => n.startsWith(rule))).not.toEqual([]);
    },
  );

  it('dropping and recreating them from the definitions restores what the migrations installed, in the same order', async () => {
    const before = await installed();
    await dropTriggers(h.db, defined);
    try {
      expect((await installed()).size).toBe(0);
    } finally {
      await createTriggers(h.db, defined);
    }
    expect(await installed()).toEqual(before);
  });
});
