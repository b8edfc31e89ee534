import { Readable } from 'node:stream';
import { createConnection, Connection } from 'mysql2/promise';
import {
  AUDIENCE_TRIGGERS,
  backfillBuyerProjection,
  backfillLabelOrders,
  backfillSharedExternalIds,
} from '@app/audience';
import {
  createTriggers,
  DbConnectionSettings,
  dropDatabase,
  dropTriggers,
  runMigrations,
} from '@app/database';
import { backfillGoodsLabels, STATS_TRIGGERS } from '@app/stats';

/**
 * Bulk loading of the company tables, shared by `gen:data` and `gen:demo`: rows go in with
 * LOAD DATA LOCAL INFILE streamed from memory (no temporary files); secondary indexes and
 * the buyer-projection triggers are dropped for the load and rebuilt afterwards.
 */

const CHUNK_ROWS = 20_000;

/** Streams `count` TSV lines (`\N` = NULL) produced by `line(i)` for i = 1..count. */
export function tsv(count: number, line: (i: number) => string): Readable {
  let i = 1;
  return new Readable({
    read() {
      if (i > count) return void this.push(null);
      const parts: string[] = [];
      for (const end = Math.min(count, i + CHUNK_ROWS - 1); i <= end; i++) parts.push(line(i));
      this.push(Buffer.from(parts.join(''), 'utf8'));
    },
  });
}

/** Like tsv, but each source row may produce several lines. */
export function tsvMany(count: number, lines: (i: number, out: string[]) => void): Readable {
  let i = 1;
  return new Readable({
    read() {
      if (i > count) return void this.push(null);
      const parts: string[] = [];
      for (const end = Math.min(count, i + CHUNK_ROWS - 1); i <= end; i++) lines(i, parts);
      this.push(Buffer.from(parts.join(''), 'utf8'));
    },
  });
}

export async function load(conn: Connection, table: string, columns: string[], data: Readable) {
  await conn.query({
    sql: `LOAD DATA LOCAL INFILE 'generated' INTO TABLE ${table}
          CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' LINES TERMINATED BY '\\n'
          (${columns.join(', ')})`,
    infileStreamFactory: () => data,
  });
}

interface IndexDef {
  name: string;
  unique: boolean;
  columns: string[];
}

async function secondaryIndexes(conn: Connection, table: string): Promise<IndexDef[]> {
  const [rows] = await conn.query(
    `SELECT INDEX_NAME AS name, NON_UNIQUE AS nonUnique, COLUMN_NAME AS col, SUB_PART AS sub
       FROM information_schema.STATISTICS
      WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND INDEX_NAME <> 'PRIMARY'
      ORDER BY INDEX_NAME, SEQ_IN_INDEX`,
    [table],
  );
  const byName = new Map<string, IndexDef>();
  for (const r of rows as { name: string; nonUnique: number; col: string; sub: number | null }[]) {
    const def = byName.get(r.name) ?? { name: r.name, unique: !r.nonUnique, columns: [] };
    def.columns.push(r.sub ? `${r.col}(${r.sub})` : r.col);
    byName.set(r.name, def);
  }
  return [...byName.values()];
}

type Step = (what: string, work: () => Promise<unknown>) => Promise<void>;

interface BulkLoadOptions {
  /** Prefix of the progress lines, e.g. `gen:data`. */
  label: string;
  log: (msg: string) => void;
  /**
   * Derive `order_buyers` / `customer_last_order` from the loaded orders with the
   * audience's backfill; false when `fill` loads those two tables itself.
   */
  backfillProjection: boolean;
}

/**
 * Drops and re-creates the database from the migrations (so a failed run never leaves a
 * half-built schema behind), then runs `fill` with secondary indexes and projection
 * triggers off, and rebuilds them afterwards. Returns the elapsed seconds.
 */
export async function bulkLoadCompany(
  settings: DbConnectionSettings,
  o: BulkLoadOptions,
  fill: (conn: Connection, step: Step) => Promise<void>,
): Promise<number> {
  await dropDatabase(settings);
  await runMigrations(settings);
  const conn = await createConnection({
    host: settings.DB_HOST,
    port: settings.DB_PORT,
    user: settings.DB_USER,
    password: settings.DB_PASSWORD,
    database: settings.DB_NAME,
    charset: 'utf8mb4_unicode_520_ci',
    timezone: '+08:00',
    supportBigNumbers: true,
  });
  // The trigger and backfill helpers expect TypeORM's query(): rows, not [rows, fields].
  const rowsOf = {
    query: async (sql: string, params?: unknown[]) => (await conn.query(sql, params))[0],
  };
  const t0 = Date.now();
  const step: Step = async (what, work) => {
    const t = Date.now();
    await work();
    o.log(`${o.label} ${what}: ${((Date.now() - t) / 1000).toFixed(1)} s`);
  };
  try {
    // Bulk loads into empty tables skip per-row undo logging with these off (MariaDB ≥ 10.6).
    await conn.query('SET unique_checks = 0, foreign_key_checks = 0');
    const tables = [
      'wechat_labels',
      'customers',
      'youzan_orders',
      'wechat_customers_labels',
      'order_buyers',
      'customer_last_order',
      'customer_label_orders',
    ];
    const indexes = new Map<string, IndexDef[]>();
    await step('drop secondary indexes and triggers', async () => {
      // The audience projections are backfilled after the load; each customer's shared-id check
      // would look its id up in an index dropped for the load; a fresh database has no
      // deliveries, so attributing orders would find nothing; each label link's goods-label
      // trigger would look for attribution rows of its order.
      await dropTriggers(rowsOf, [...AUDIENCE_TRIGGERS, ...STATS_TRIGGERS]);
      for (const t of tables) {
        const defs = await secondaryIndexes(conn, t);
        indexes.set(t, defs);
        if (defs.length) {
          await conn.query(
            `ALTER TABLE ${t} ${defs.map((d) => `DROP INDEX ${d.name}`).join(', ')}`,
          );
        }
      }
    });

    await fill(conn, step);

    for (const [t, defs] of indexes) {
      if (!defs.length) continue;
      await step(`rebuild ${defs.length} index(es) of ${t}`, () =>
        conn.query(
          `ALTER TABLE ${t} ${defs
            .map((d) => `ADD ${d.unique ? 'UNIQUE ' : ''}INDEX ${d.name} (${d.columns.join(', ')})`)
            .join(', ')}`,
        ),
      );
    }
    if (o.backfillProjection) {
      await step('buyer projection backfill', () => backfillBuyerProjection(rowsOf, 500_000));
    }
    // The label projection is always derived here (neither generator writes it directly).
    await step('label orders backfill', () => backfillLabelOrders(rowsOf, 1_000_000));
    await step('shared external ids backfill', () => backfillSharedExternalIds(rowsOf));
    // Attribution rows already present (a load into a database with deliveries) get their lists.
    await step('attribution goods labels backfill', () => backfillGoodsLabels(rowsOf));
    await step('triggers', () => createTriggers(rowsOf, [...AUDIENCE_TRIGGERS, ...STATS_TRIGGERS]));
    await step('analyze', () => conn.query(`ANALYZE TABLE ${tables.join(', ')}`));
    return (Date.now() - t0) / 1000;
  } finally {
    await conn.end();
  }
}
