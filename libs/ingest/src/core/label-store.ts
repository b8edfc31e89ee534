import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { labelKey, LabelType, MATCHED_BY_NAME, OrderLabel } from './order-rows';

interface LabelRow {
  id: number;
  type: LabelType;
  bind_id: string | null;
  name: string;
}

/**
 * `wechat_labels` has no unique key (other loaders fill it), so creators take turns under a
 * named lock (per database: the name ends with it).
 */
const CREATE_LOCK = 'wpp_ingest_labels:';
const LOCK_WAIT_SECONDS = 30;
const CHUNK = 1000;

/**
 * The `wechat_labels` rows of order labels, created when new: city and brand found by name,
 * warehouse, category and SKU by `bind_id` (how the audience matches them). Where the
 * library already holds several rows for one label, the lowest id is used; an existing
 * label keeps its name.
 */
@Injectable()
export class LabelStore {
  constructor(private readonly db: DataSource) {}

  /** `labelKey` → `wechat_labels.id` for every label given. */
  async ensure(labels: OrderLabel[]): Promise<Map<string, number>> {
    const wanted = new Map<string, OrderLabel>();
    for (const l of labels) wanted.set(labelKey(l), wanted.get(labelKey(l)) ?? l);
    const ids = await this.find([...wanted.values()], this.db);
    const missing = [...wanted.entries()].filter(([k]) => !ids.has(k)).map(([, l]) => l);
    if (!missing.length) return ids;
    const q = this.db.createQueryRunner();
    try {
      const [{ got }] = (await q.query('SELECT GET_LOCK(CONCAT(?, DATABASE()), ?) AS got', [
        CREATE_LOCK,
        LOCK_WAIT_SECONDS,
      ])) as { got: number | null }[];
      if (got !== 1)
        throw new Error(`wechat_labels: lock ${CREATE_LOCK} not granted in ${LOCK_WAIT_SECONDS} s`);
      try {
        // Another writer may have created some while this one waited.
        const found = await this.find(missing, q);
        const create = missing.filter((l) => !found.has(labelKey(l)));
        for (let i = 0; i < create.length; i += CHUNK) {
          await q.query('INSERT INTO wechat_labels (type, bind_id, name) VALUES ?', [
            create
              .slice(i, i + CHUNK)
              .map((l) => [l.type, MATCHED_BY_NAME.has(l.type) ? null : l.key, l.name]),
          ]);
        }
        for (const [k, id] of await this.find(missing, q)) ids.set(k, id);
      } finally {
        await q.query('DO RELEASE_LOCK(CONCAT(?, DATABASE()))', [CREATE_LOCK]);
      }
    } finally {
      await q.release();
    }
    return ids;
  }

  private async find(
    labels: OrderLabel[],
    q: { query(sql: string, params?: unknown[]): Promise<unknown> },
  ): Promise<Map<string, number>> {
    const ids = new Map<string, number>();
    const byType = new Map<LabelType, string[]>();
    for (const l of labels) byType.set(l.type, [...(byType.get(l.type) ?? []), l.key]);
    for (const [type, keys] of byType) {
      const column = MATCHED_BY_NAME.has(type) ? 'name' : 'bind_id';
      for (let i = 0; i < keys.length; i += CHUNK) {
        const rows = (await q.query(
          `SELECT id, type, bind_id, name FROM wechat_labels
            WHERE type = ? AND ${column} IN (?) ORDER BY id`,
          [type, keys.slice(i, i + CHUNK)],
        )) as LabelRow[];
        for (const r of rows) {
          const k = labelKey({ type, key: (column === 'name' ? r.name : r.bind_id) ?? '' });
          if (!ids.has(k)) ids.set(k, r.id);
        }
      }
    }
    return ids;
  }
}
