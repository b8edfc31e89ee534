import { Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { LOCK_CONFLICTS, retryOnConflict } from '@app/common';
import { IdentityService } from '@app/identity';
import type { NormalisedOrder } from '../normalised-order';
import { LabelStore } from './label-store';
import { insertLinksSetBased } from './link-projections';
import {
  labelKey,
  OrderLabel,
  orderFingerprint,
  orderLabels,
  orderProblems,
  OrderRow,
  orderRow,
} from './order-rows';

/** What one `upsert` did. */
interface UpsertResult {
  /** Orders new to youzan_orders. */
  inserted: number;
  /** Orders whose row or labels changed (a refund, a close, a new item…). */
  updated: number;
  /** Re-sent orders identical to what is stored: nothing written. */
  unchanged: number;
  /** Orders older (`updatedAt`) than the stored version: ignored. */
  stale: number;
  /** Orders the core cannot store, with the reasons; the others of the call are written. */
  rejected: { orderNumber: string; problems: string[] }[];
}

interface StoredOrder {
  id: number;
  ingest_number: string | null;
  order_number: string;
  ingest_hash: string | null;
  updated_at: string | null;
}

interface Prepared {
  order: NormalisedOrder;
  labels: OrderLabel[];
}

/** Orders per transaction: one multi-row statement per table each. */
const BATCH = 500;
/** Rows per multi-row INSERT of label links. */
const LINK_CHUNK = 5000;
const RETRIES = 10;
/** A concurrent writer of the same orders or buyers: the batch is safe to run again. */
const RETRYABLE = new Set([...LOCK_CONFLICTS, 'ER_DUP_ENTRY']);

/**
 * The one ingestion core (docs/INGEST.md): normalised orders from any source upserted
 * idempotently by order number into `youzan_orders`, the buyer in `customers` (through
 * the identity service), the order's labels in `wechat_labels` and its label links in
 * `wechat_customers_labels` — one transaction per batch of orders, multi-row statements.
 * The triggers on those tables keep the audience's projections and the statistics'
 * attributions exact, so a refund or a close arriving as an update moves the figures; the
 * links' own projections are written set-based per batch (`insertLinksSetBased`).
 */
@Injectable()
export class IngestOrdersService {
  private readonly logger = new Logger(IngestOrdersService.name);

  constructor(
    private readonly db: DataSource,
    private readonly identity: IdentityService,
    private readonly labels: LabelStore,
  ) {}

  async upsert(orders: NormalisedOrder[]): Promise<UpsertResult> {
    const result: UpsertResult = { inserted: 0, updated: 0, unchanged: 0, stale: 0, rejected: [] };
    const valid: NormalisedOrder[] = [];
    for (const o of orders) {
      const problems = orderProblems(o);
      if (problems.length) result.rejected.push({ orderNumber: o.orderNumber ?? '', problems });
      else valid.push(o);
    }
    // One order number once per call: the last one given wins (a source's latest version).
    const latest = new Map<string, NormalisedOrder>();
    for (const o of valid) {
      const n = o.orderNumber.trim();
      latest.delete(n);
      latest.set(n, o);
    }
    const unique = [...latest.values()];
    for (let i = 0; i < unique.length; i += BATCH) {
      const r = await this.withRetries(() => this.upsertBatch(unique.slice(i, i + BATCH)));
      result.inserted += r.inserted;
      result.updated += r.updated;
      result.unchanged += r.unchanged;
      result.stale += r.stale;
    }
    return result;
  }

  private withRetries<T>(work: () => Promise<T>): Promise<T> {
    // Two writers of one import (or two feeds) that share buyers collide again at once if
    // both retry at once: retryOnConflict backs off a random, growing while.
    return retryOnConflict(work, {
      codes: RETRYABLE,
      attempts: RETRIES,
      baseMs: 100,
      onRetry: (attempt, code) =>
        this.logger.warn(`ingest batch: ${code}, retrying (${attempt}/${RETRIES - 1})`),
    });
  }

  private async upsertBatch(batch: NormalisedOrder[]): Promise<Omit<UpsertResult, 'rejected'>> {
    const prepared: Prepared[] = batch.map((order) => ({ order, labels: orderLabels(order) }));
    // Labels are created outside the orders' transaction (one writer at a time, under a lock):
    // a label nobody links yet is harmless, and the transaction stays short.
    const labelIds = await this.labels.ensure(prepared.flatMap((p) => p.labels));
    return this.db.transaction(async (m) => {
      const r = { inserted: 0, updated: 0, unchanged: 0, stale: 0 };
      const numbers = prepared.map((p) => p.order.orderNumber.trim());
      const stored = await this.storedOrders(m, numbers);
      const customerIds = await this.identity.resolveMany(
        prepared.map((p) => p.order.buyer),
        m,
      );
      const writes: {
        row: OrderRow;
        hash: string;
        id: number | null;
        customerId: number;
        labels: OrderLabel[];
      }[] = [];
      const touchOnly: { id: number; updatedAt: string }[] = [];
      prepared.forEach((p, i) => {
        const row = orderRow(p.order, customerIds[i]);
        const hash = orderFingerprint(row, p.labels);
        const old = stored.get(row.orderNumber);
        if (
          old &&
          old.updated_at !== null &&
          row.updatedAt !== null &&
          row.updatedAt < old.updated_at
        ) {
          r.stale++;
        } else if (old && old.ingest_hash === hash) {
          r.unchanged++;
          if (
            row.updatedAt !== null &&
            (old.updated_at === null || row.updatedAt > old.updated_at)
          ) {
            touchOnly.push({ id: old.id, updatedAt: row.updatedAt });
          }
        } else {
          writes.push({
            row,
            hash,
            id: old?.id ?? null,
            customerId: customerIds[i],
            labels: p.labels,
          });
          if (old) r.updated++;
          else r.inserted++;
        }
      });
      for (const t of touchOnly) {
        await m.query('UPDATE youzan_orders SET updated_at = ? WHERE id = ?', [t.updatedAt, t.id]);
      }
      if (!writes.length) return r;

      await m.query(
        `INSERT INTO youzan_orders
           (id, order_number, user_ids, fans_nickname, order_creation_time, payment, refunded_fee,
            status, updated_at, ingest_number, ingest_hash)
         VALUES ?
         ON DUPLICATE KEY UPDATE
           order_number = VALUES(order_number), user_ids = VALUES(user_ids),
           fans_nickname = VALUES(fans_nickname), order_creation_time = VALUES(order_creation_time),
           payment = VALUES(payment), refunded_fee = VALUES(refunded_fee), status = VALUES(status),
           updated_at = VALUES(updated_at), ingest_number = VALUES(ingest_number),
           ingest_hash = VALUES(ingest_hash)`,
        [
          writes.map(({ row, hash, id }) => [
            id,
            row.orderNumber,
            row.userIds,
            row.nickname,
            row.createdAt,
            row.payment,
            row.refundedFee,
            row.status,
            row.updatedAt,
            row.orderNumber,
            hash,
          ]),
        ],
      );
      const newIds = await this.storedOrders(
        m,
        writes.filter((w) => w.id === null).map((w) => w.row.orderNumber),
      );
      for (const w of writes) w.id ??= newIds.get(w.row.orderNumber)!.id;
      await this.writeLinks(
        m,
        writes.map((w) => ({
          orderId: w.id!,
          customerId: w.customerId,
          labelIds: [...new Set(w.labels.map((l) => labelIds.get(labelKey(l))!))],
          existing: stored.has(w.row.orderNumber),
        })),
      );
      return r;
    });
  }

  /**
   * The stored orders of these numbers, locked: those the core wrote (by `ingest_number`),
   * else a row another loader wrote with that number (the lowest id), which the core adopts.
   */
  private async storedOrders(
    m: EntityManager,
    numbers: string[],
  ): Promise<Map<string, StoredOrder>> {
    const found = new Map<string, StoredOrder>();
    if (!numbers.length) return found;
    const select = `SELECT id, ingest_number, order_number, ingest_hash,
                           DATE_FORMAT(updated_at, '%Y-%m-%d %H:%i:%s') AS updated_at
                      FROM youzan_orders`;
    const own = (await m.query(`${select} WHERE ingest_number IN (?) FOR UPDATE`, [
      numbers,
    ])) as StoredOrder[];
    for (const o of own) found.set(o.ingest_number!, o);
    const others = numbers.filter((n) => !found.has(n));
    if (others.length) {
      const legacy = (await m.query(
        `${select} WHERE order_number IN (?) AND ingest_number IS NULL ORDER BY id FOR UPDATE`,
        [others],
      )) as StoredOrder[];
      for (const o of legacy) if (!found.has(o.order_number)) found.set(o.order_number, o);
    }
    return found;
  }

  /** Each order's links become exactly one per (buyer, label): missing ones added, others removed. */
  private async writeLinks(
    m: EntityManager,
    orders: { orderId: number; customerId: number; labelIds: number[]; existing: boolean }[],
  ): Promise<void> {
    const want = new Set(
      orders.flatMap((o) => o.labelIds.map((l) => `${o.orderId}:${o.customerId}:${l}`)),
    );
    const have = new Set<string>();
    const existing = orders.filter((o) => o.existing).map((o) => o.orderId);
    if (existing.length) {
      const rows = (await m.query(
        'SELECT id, order_id, customer_id, label_id FROM wechat_customers_labels WHERE order_id IN (?)',
        [existing],
      )) as { id: number; order_id: number; customer_id: number; label_id: number }[];
      const remove: number[] = [];
      for (const r of rows) {
        const k = `${r.order_id}:${r.customer_id}:${r.label_id}`;
        if (want.has(k) && !have.has(k)) have.add(k);
        else remove.push(r.id);
      }
      if (remove.length)
        await m.query('DELETE FROM wechat_customers_labels WHERE id IN (?)', [remove]);
    }
    const add = [...want]
      .filter((k) => !have.has(k))
      .map((k) => {
        const [orderId, customerId, labelId] = k.split(':').map(Number);
        return [customerId, labelId, orderId];
      });
    // ≈ 14 links an order: their projections are written per batch, not per row.
    await insertLinksSetBased(m, [...new Set(add.map(([, , orderId]) => orderId))], async () => {
      for (let i = 0; i < add.length; i += LINK_CHUNK) {
        await m.query(
          'INSERT INTO wechat_customers_labels (customer_id, label_id, order_id) VALUES ?',
          [add.slice(i, i + LINK_CHUNK)],
        );
      }
    });
  }
}
