import { DataSource, QueryRunner } from 'typeorm';
import { buildDataSourceOptions } from '@app/database';
import {
  globalControl,
  globalControlSql,
  holdoutGroup,
  holdoutGroupSql,
  variantOf,
  variantOfSql,
} from '@app/experiments';
import { dbSettings } from '../../../test/test-env';

const IDS = 100_000;
const RULE = 4711;
const WEIGHTS = [40, 0, 35, 25];

/** WeCom-like ids, plus the odd ones: non-ASCII, quotes, backslashes, 64 characters. */
function customerIds(): string[] {
  const ids = Array.from({ length: IDS - 5 }, (_, i) => `wm${(i * 7919).toString(36)}Xy${i % 97}`);
  ids.push('客户-甲', "wm'quote", 'wm\\back\\slash', 'x'.repeat(64), 'wm_ümlaut_🎯');
  return ids;
}

/**
 * The assignment's SQL builders select the same customers as the TypeScript functions: the
 * selection applies them set-based in MariaDB while the tests and the api use the functions.
 */
describe('experiment assignment: MariaDB and TypeScript agree', () => {
  let db: DataSource;
  let qr: QueryRunner;

  beforeAll(async () => {
    db = new DataSource({
      ...buildDataSourceOptions(dbSettings(process.env.DB_NAME!)),
      poolSize: 1,
      extra: { connectionLimit: 1 },
    });
    await db.initialize();
    // A temporary table lives on one connection: hold that connection for the suite.
    qr = db.createQueryRunner();
    await qr.query(
      `CREATE TEMPORARY TABLE experiment_ids (
         seq INT NOT NULL PRIMARY KEY,
         external_userid VARCHAR(64) NOT NULL
       ) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci`,
    );
    const ids = customerIds();
    for (let from = 0; from < ids.length; from += 10_000)
      await qr.query('INSERT INTO experiment_ids (seq, external_userid) VALUES ?', [
        ids.slice(from, from + 10_000).map((id, i) => [from + i, id]),
      ]);
  });

  afterAll(async () => {
    await qr?.release();
    await db?.destroy();
  });

  it(`assigns each of ${IDS.toLocaleString('en')} customers to the same holdout group, global control group and variant`, async () => {
    const rows: { seq: number; id: string; holdout: string; global: number; variant: number }[] =
      await qr.query(
        `SELECT seq, external_userid AS id,
                ${holdoutGroupSql('external_userid', RULE, 12.5)} AS holdout,
                ${globalControlSql('external_userid', 7.25, 'gen-2027')} AS global,
                ${variantOfSql('external_userid', RULE, WEIGHTS)} AS variant
           FROM experiment_ids ORDER BY seq`,
      );
    const ids = customerIds();
    expect(rows).toHaveLength(IDS);
    const disagreements = rows.filter(
      (r, i) =>
        r.id !== ids[i] ||
        r.holdout !== holdoutGroup(ids[i], RULE, 12.5) ||
        Boolean(Number(r.global)) !== globalControl(ids[i], 7.25, 'gen-2027') ||
        Number(r.variant) !== variantOf(ids[i], RULE, WEIGHTS),
    );
    expect(disagreements.slice(0, 5)).toEqual([]);
    // Every outcome occurs, so agreement is not agreement on a constant.
    const variants = new Set(rows.map((r) => Number(r.variant)));
    expect([...variants].sort()).toEqual([0, 2, 3]);
    expect(new Set(rows.map((r) => r.holdout))).toEqual(new Set(['control', 'treated']));
    expect(new Set(rows.map((r) => Number(r.global)))).toEqual(new Set([0, 1]));
  });

  it('filters set-based: the control group counted in SQL is the one the functions choose', async () => {
    const [{ n }] = await qr.query(
      `SELECT COUNT(*) AS n FROM experiment_ids
        WHERE ${holdoutGroupSql('external_userid', RULE, 10)} = 'control'`,
    );
    const expected = customerIds().filter((id) => holdoutGroup(id, RULE, 10) === 'control').length;
    expect(Number(n)).toBe(expected);
    expect(expected).toBeGreaterThan(9000);
  });

  it('gives a rule with one live variant that variant without hashing', async () => {
    expect(variantOfSql('external_userid', RULE, [0, 5])).toBe('1');
    const [{ v }] = await qr.query(
      `SELECT DISTINCT ${variantOfSql('external_userid', RULE, [0, 5])} AS v FROM experiment_ids`,
    );
    expect(Number(v)).toBe(1);
  });
});
