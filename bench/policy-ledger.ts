/**
 * The contact history of `npm run bench:policy`: a year of contacts before the bench's instant
 * for every customer with an external id, generated set-based in MariaDB (no rows through
 * Node) as the reservations leave it: the batches (`contact_batches`), one ledger row per
 * customer per batch, each customer's `contact_state`, plus suppressions and unreachable
 * customers. Deterministic: every value is a CRC32 of the customer id and the row number.
 *
 * The year is 2,920 batches — 8 a day, 3 h apart, the newest an hour before the instant —
 * of ≈ 10,500 customers each; batch k (0 = oldest) belongs to push 901 − (2919 − k) mod 301,
 * so the newest batch is push 901's (the seed rule's cooldown has rows), and ≈ 2 % of the
 * batches are a cap-exempt rule's (not counted).
 */
import type { Connection } from 'mysql2/promise';

/** Rows per customer: 21 + CRC32(id) mod 27, so 21–47 and ≈ 34 on average (≥ 30M rows for 900k). */
const MIN_ROWS = 21;
const ROW_SPREAD = 27;
/** Push ids of the history: HISTORY_FIRST_PUSH … +HISTORY_PUSHES-1 (the bench's rules among them). */
export const HISTORY_FIRST_PUSH = 601;
export const HISTORY_PUSHES = 301;
/** Batches a day, and days of history. */
const SLOTS = 8;
const DAYS = 365;
/** Run and batch ids of the history start here, far from the ids the bench's runs get. */
const HISTORY_ID_BASE = 1_000_000_000;
const CUSTOMERS_PER_STATEMENT = 100_000;

export interface LedgerStats {
  ledgerRows: number;
  /** Highest contact_ledger id of the history: rows above it belong to the bench's runs. */
  maxHistoryId: number;
  states: number;
  suppressions: number;
  unreachable: number;
  seconds: number;
}

/** `at` as the DATETIME the ledger stores (Asia/Shanghai wall time). */
export const shanghaiDateTime = (at: Date) =>
  new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');

/**
 * The secondary keys of a table as `SHOW CREATE TABLE` prints them, so they can be dropped
 * for the load and put back exactly as the migration made them.
 */
async function secondaryKeys(conn: Connection, table: string): Promise<Map<string, string>> {
  const [[row]] = (await conn.query(`SHOW CREATE TABLE ${table}`)) as unknown as [
    Record<string, string>[],
  ];
  const keys = new Map<string, string>();
  for (const line of row['Create Table'].split('\n')) {
    const m = /^\s*((?:UNIQUE )?KEY `([^`]+)` \(.*\))/.exec(line);
    if (m) keys.set(m[2], m[1].replace(/,$/, ''));
  }
  return keys;
}

export async function generateLedger(
  conn: Connection,
  at: Date,
  log: (line: string) => void,
): Promise<LedgerStats> {
  const started = Date.now();
  const atSql = shanghaiDateTime(at);
  const lastK = DAYS * SLOTS - 1;
  const lastPush = HISTORY_FIRST_PUSH + HISTORY_PUSHES - 1;
  for (const t of [
    'contact_ledger',
    'contact_batches',
    'contact_state',
    'contact_suppressions',
    'contact_unreachable',
  ])
    await conn.query(`TRUNCATE ${t}`);
  // Batch k: day d = DAYS-1 - k DIV SLOTS (days before `at`), slot = SLOTS-1 - k MOD SLOTS,
  // at `at` - (24 d + 3 slot + 1) h.
  await conn.query(
    `INSERT INTO contact_batches (batch_id, push_id, run_id, counted, contact_at, released)
     SELECT ? + k, ? - (? - k) MOD ?, ? + k, CRC32(CONCAT('b', k)) MOD 50 <> 0,
            ? - INTERVAL ((? - k DIV ?) * 24 + (? - k MOD ?) * 3 + 1) HOUR, 0
       FROM (SELECT seq AS k FROM seq_0_to_${lastK}) s`,
    [
      2 * HISTORY_ID_BASE,
      lastPush,
      lastK,
      HISTORY_PUSHES,
      HISTORY_ID_BASE,
      atSql,
      DAYS - 1,
      SLOTS,
      SLOTS - 1,
      SLOTS,
    ],
  );
  const keys = await secondaryKeys(conn, 'contact_ledger');
  if (keys.size) {
    await conn.query(
      `ALTER TABLE contact_ledger ${[...keys.keys()].map((k) => `DROP KEY \`${k}\``).join(', ')}`,
    );
  }
  const [[{ maxId }]] = (await conn.query('SELECT MAX(id) AS maxId FROM customers')) as unknown as [
    { maxId: number }[],
  ];
  const seq = `seq_1_to_${MIN_ROWS + ROW_SPREAD - 1}`;
  // One statement per block of customers, rows in customer (= external id) order. A row's
  // batch is the CRC32 of (customer, row number) mod the year's batches (a customer drawn
  // twice for one batch gets one row); a second CRC32 makes ~3 % released one by one (with
  // a reason: they leave the customer's live contacts). Then the block's state rows from its
  // ledger rows.
  let lastId = 0;
  for (let from = 1; from <= maxId; from += CUSTOMERS_PER_STATEMENT) {
    const t = Date.now();
    await conn.query(
      `INSERT INTO contact_ledger
              (external_userid, push_id, run_id, batch_id, created_at, counted, released,
               released_at, release_reason)
       SELECT r.e, b.push_id, b.run_id, b.batch_id, b.contact_at, b.counted, r.pick < 3,
              IF(r.pick < 3, b.contact_at + INTERVAL 1 DAY, NULL),
              ELT(r.pick + 1, 'fail_list', 'not_friend', 'wecom_cap')
         FROM (SELECT STRAIGHT_JOIN c.id AS cid, c.external_userid AS e,
                      CRC32(CONCAT(c.id, '/', s.seq)) MOD ? AS k,
                      MIN((CRC32(CONCAT('p', c.id, '/', s.seq)) DIV 1000) MOD 100) AS pick
                 FROM customers c
                 JOIN ${seq} s ON s.seq <= ? + CRC32(c.id) MOD ?
                WHERE c.id BETWEEN ? AND ? AND c.external_userid <> ''
                GROUP BY c.id, k) r
         JOIN contact_batches b ON b.batch_id = ? + r.k
        ORDER BY r.cid, r.k`,
      [
        DAYS * SLOTS,
        MIN_ROWS,
        ROW_SPREAD,
        from,
        from + CUSTOMERS_PER_STATEMENT - 1,
        2 * HISTORY_ID_BASE,
      ],
    );
    await conn.query(
      `INSERT INTO contact_state (external_userid, version, recent)
       SELECT external_userid, COUNT(*),
              COALESCE(SUBSTRING_INDEX(
                GROUP_CONCAT(IF(released = 0, batch_id, NULL) ORDER BY batch_id DESC SEPARATOR ','),
                ',', 400), '')
         FROM contact_ledger WHERE id > ?
        GROUP BY external_userid`,
      [lastId],
    );
    const [[{ top }]] = (await conn.query(
      'SELECT COALESCE(MAX(id), 0) AS top FROM contact_ledger',
    )) as unknown as [{ top: number }[]];
    lastId = Number(top);
    log(`ledger: customers ${from}–${from + CUSTOMERS_PER_STATEMENT - 1} in ${Date.now() - t} ms`);
  }
  if (keys.size) {
    const t = Date.now();
    await conn.query(
      `ALTER TABLE contact_ledger ${[...keys.values()].map((k) => `ADD ${k}`).join(', ')}`,
    );
    log(`ledger: keys rebuilt in ${Date.now() - t} ms`);
  }
  // ~1 % suppressed, ~0.5 % unreachable (their batch: one of the history's).
  await conn.query(
    `INSERT INTO contact_suppressions (external_userid, source, reason, created_at)
     SELECT external_userid, ELT(1 + id MOD 3, 'manual', 'import', 'complaint'), 'bench', ? - INTERVAL id MOD 300 DAY
       FROM customers WHERE external_userid <> '' AND CRC32(CONCAT('s', id)) MOD 100 = 0
      ORDER BY external_userid`,
    [atSql],
  );
  await conn.query(
    `INSERT INTO contact_unreachable (external_userid, batch_id, since)
     SELECT external_userid, ?, ? - INTERVAL id MOD 300 DAY
       FROM customers WHERE external_userid <> '' AND CRC32(CONCAT('u', id)) MOD 200 = 0
      ORDER BY external_userid`,
    [2 * HISTORY_ID_BASE, atSql],
  );
  await conn.query(
    'ANALYZE TABLE contact_ledger, contact_batches, contact_state, contact_suppressions, contact_unreachable',
  );
  const [[n]] = (await conn.query(
    `SELECT (SELECT COUNT(*) FROM contact_ledger) AS ledgerRows,
            (SELECT COALESCE(MAX(id), 0) FROM contact_ledger) AS maxHistoryId,
            (SELECT COUNT(*) FROM contact_state) AS states,
            (SELECT COUNT(*) FROM contact_suppressions) AS suppressions,
            (SELECT COUNT(*) FROM contact_unreachable) AS unreachable`,
  )) as unknown as [Record<string, string | number>[]];
  return {
    ledgerRows: Number(n.ledgerRows),
    maxHistoryId: Number(n.maxHistoryId),
    states: Number(n.states),
    suppressions: Number(n.suppressions),
    unreachable: Number(n.unreachable),
    seconds: Math.round((Date.now() - started) / 1000),
  };
}
