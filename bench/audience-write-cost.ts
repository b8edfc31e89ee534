/**
 * `npm run bench:audience -- --set write-cost [--rows 20000] [--rounds 3]`
 *
 * What the reach projection (issue 21, migration 1735340000000) costs the writers: on a
 * fresh database of its own (`wpp_bench_writecost`, from the migrations, 100,000 customers),
 * the same writes timed with its triggers installed and with them dropped, alternated:
 * - orders: `--rows` new orders of one existing customer each (multi-row INSERTs of 1,000),
 *   through every order trigger — the reach trigger's share is the locking read of the buyer
 *   before its customer_last_order row is written;
 * - customers: `--rows` customers' external ids changed (UPDATE … JOIN, 1,000 a statement),
 *   half of them buyers — the trigger's share is the update of their customer_last_order row.
 * Each timed write is rolled back, so every round starts from the same rows.
 */
import { createConnection, Connection } from 'mysql2/promise';
import { AUDIENCE_TRIGGERS } from '@app/audience';
import { loadConfig } from '@app/common';
import {
  createTriggers,
  dropDatabase,
  dropTriggers,
  runMigrations,
  TriggerDefinition,
} from '@app/database';

const REACH: readonly TriggerDefinition[] = AUDIENCE_TRIGGERS.filter((t) =>
  t.name.includes('_reach_'),
);

const ms = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e6;

async function timed(conn: Connection, work: () => Promise<void>): Promise<number> {
  await conn.query('START TRANSACTION');
  const t = process.hrtime.bigint();
  await work();
  const took = ms(t);
  await conn.query('ROLLBACK');
  return took;
}

export async function writeCost(rows: number, rounds: number): Promise<void> {
  const config = loadConfig({ ...process.env, DB_NAME: 'wpp_bench_writecost' });
  await dropDatabase(config);
  await runMigrations(config);
  const conn = await createConnection({
    host: config.DB_HOST,
    port: config.DB_PORT,
    user: config.DB_USER,
    password: config.DB_PASSWORD,
    database: config.DB_NAME,
    timezone: '+08:00',
  });
  const q = { query: async (sql: string, p?: unknown[]) => (await conn.query(sql, p))[0] };
  try {
    const customers = 100_000;
    for (let i = 0; i < customers; i += 5_000) {
      const chunk = Array.from({ length: 5_000 }, (_, j) => [
        i + j + 1,
        `c${i + j + 1}`,
        `wm${i + j + 1}`,
      ]);
      await conn.query('INSERT INTO customers (id, name, external_userid) VALUES ?', [chunk]);
    }
    // Half of the customers have bought before (their last order rows exist).
    const old = Array.from({ length: customers / 2 }, (_, j) => [
      j + 1,
      `O${j + 1}`,
      String(2 * j + 1),
      '2025-01-01 10:00:00',
    ]);
    for (let i = 0; i < old.length; i += 5_000) {
      await conn.query(
        'INSERT INTO youzan_orders (id, order_number, user_ids, order_creation_time) VALUES ?',
        [old.slice(i, i + 5_000)],
      );
    }
    const orders = async () => {
      for (let i = 0; i < rows; i += 1_000) {
        const chunk = Array.from({ length: Math.min(1_000, rows - i) }, (_, j) => {
          const n = i + j;
          return [
            1_000_000 + n,
            `N${n}`,
            String(1 + ((n * 7919) % customers)),
            '2025-06-01 10:00:00',
          ];
        });
        await conn.query(
          'INSERT INTO youzan_orders (id, order_number, user_ids, order_creation_time) VALUES ?',
          [chunk],
        );
      }
    };
    const renames = async () => {
      for (let i = 0; i < rows; i += 1_000) {
        await conn.query(
          `UPDATE customers SET external_userid = CONCAT('wx', id) WHERE id > ? AND id <= ?`,
          [i, Math.min(i + 1_000, rows)],
        );
      }
    };
    const results: { round: number; reach: boolean; ordersMs: number; customersMs: number }[] = [];
    for (let round = 1; round <= rounds; round++) {
      for (const reach of round % 2 ? [true, false] : [false, true]) {
        if (!reach) await dropTriggers(q, REACH);
        const ordersMs = await timed(conn, orders);
        const customersMs = await timed(conn, renames);
        if (!reach) await createTriggers(q, REACH);
        results.push({ round, reach, ordersMs, customersMs });
        console.log(JSON.stringify(results[results.length - 1]));
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const per = (reach: boolean, k: 'ordersMs' | 'customersMs') =>
      (median(results.filter((r) => r.reach === reach).map((r) => r[k])) * 1000) / rows;
    console.log(
      `\n| write (${rows} rows, rolled back) | with the reach triggers, µs a row | without, µs a row | added |`,
    );
    console.log('|---|---|---|---|');
    for (const [name, k] of [
      ['new order of an existing customer (every order trigger)', 'ordersMs'],
      ["customer's external id changed (half of them buyers)", 'customersMs'],
    ] as const) {
      const a = per(true, k);
      const b = per(false, k);
      console.log(`| ${name} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${(a - b).toFixed(1)} |`);
    }
  } finally {
    await conn.end();
    await dropDatabase(config);
  }
}
