import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock, formatDateTime, retryOnConflict } from '@app/common';
import { BuyerIdentifiers, hasIdentifier, normaliseBuyer } from './buyer-identifiers';

/** Something that runs SQL and returns rows: the DataSource, or a transaction's EntityManager. */
interface SqlExecutor {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

interface CustomerKeys {
  id: number;
  unionid: string | null;
  youzan_buyer_id: string | null;
  mobile: string | null;
}

type Key = 'unionid' | 'youzanBuyerId' | 'mobile';
const KEY_COLUMN: Record<Key, 'unionid' | 'youzan_buyer_id' | 'mobile'> = {
  unionid: 'unionid',
  youzanBuyerId: 'youzan_buyer_id',
  mobile: 'mobile',
};
/** The match order after the customer id: the most specific identifier first. */
const KEYS: Key[] = ['unionid', 'youzanBuyerId', 'mobile'];

/** What a look-up found: customers by id and by each identifier. */
class Known {
  readonly byId = new Map<number, CustomerKeys>();
  readonly byKey: Record<Key, Map<string, CustomerKeys>> = {
    unionid: new Map(),
    youzanBuyerId: new Map(),
    mobile: new Map(),
  };

  add(rows: CustomerKeys[]): void {
    for (const r of rows) {
      this.byId.set(r.id, r);
      for (const k of KEYS) {
        const v = r[KEY_COLUMN[k]];
        // Compared as stored; the unique keys' collation is case-insensitive, so is this.
        if (v !== null) this.byKey[k].set(v.toLowerCase(), r);
      }
    }
  }

  match(b: BuyerIdentifiers): CustomerKeys | undefined {
    if (b.customerId !== undefined) {
      const c = this.byId.get(b.customerId);
      if (c) return c;
    }
    for (const k of KEYS) {
      const v = b[k];
      const c = v === undefined ? undefined : this.byKey[k].get(v.toLowerCase());
      if (c) return c;
    }
    return undefined;
  }
}

const CHUNK = 1000;

/**
 * "Which `customers.id` is this buyer" (docs/INGEST.md "Identity"): a buyer is the customer
 * of its customer id, else the one holding its unionid, else its Youzan buyer id, else its
 * mobile — never matched by nickname. A buyer nothing matches is created (with its customer
 * id when it has one). A matched customer gains the identifiers it lacked, unless another
 * customer already holds them. Each identifier is a unique key of `customers`, so two
 * writers creating the same buyer at once end with one row.
 */
@Injectable()
export class IdentityService {
  constructor(
    private readonly db: DataSource,
    private readonly clock: Clock,
  ) {}

  /** The customer id of one buyer (created when new). */
  async resolve(buyer: BuyerIdentifiers, q: SqlExecutor = this.db): Promise<number> {
    const [id] = await this.resolveMany([buyer], q);
    return id;
  }

  /**
   * The customer ids of many buyers, in their order, with a few queries per thousand
   * buyers. Throws when a buyer has no identifier (customer id, unionid, Youzan buyer id
   * or mobile): such a buyer cannot be matched, so callers reject it first.
   */
  async resolveMany(buyers: BuyerIdentifiers[], q: SqlExecutor = this.db): Promise<number[]> {
    // Outside a caller's transaction every statement commits alone, so a statement chosen as
    // a deadlock victim (two resolutions creating the same new buyers in another order) is
    // safely run again from the look-up; inside one, the caller retries its transaction.
    if (q === this.db) return retryOnConflict(() => this.resolveOnce(buyers, q));
    return this.resolveOnce(buyers, q);
  }

  private async resolveOnce(buyers: BuyerIdentifiers[], q: SqlExecutor): Promise<number[]> {
    const wanted = buyers.map(normaliseBuyer);
    const missing = wanted.findIndex((b) => !hasIdentifier(b));
    if (missing >= 0) throw new Error(`buyer ${missing} has no customer id, unionid or mobile`);
    const known = new Known();
    known.add(await this.lookUp(wanted, q));
    const unmatched = wanted.filter((b) => !known.match(b));
    if (unmatched.length) {
      await this.create(unmatched, q);
      known.add(await this.lookUp(unmatched, q));
    }
    const ids = wanted.map((b) => {
      const c = known.match(b);
      if (!c) throw new Error(`buyer ${JSON.stringify(b)} could not be created`);
      return c.id;
    });
    await this.fillIn(wanted, known, q);
    return ids;
  }

  private async lookUp(buyers: BuyerIdentifiers[], q: SqlExecutor): Promise<CustomerKeys[]> {
    const rows: CustomerKeys[] = [];
    const select = async (column: string, values: (string | number)[]) => {
      const distinct = [...new Set(values)];
      for (let i = 0; i < distinct.length; i += CHUNK) {
        rows.push(
          ...((await q.query(
            `SELECT id, unionid, youzan_buyer_id, mobile FROM customers WHERE ${column} IN (?)`,
            [distinct.slice(i, i + CHUNK)],
          )) as CustomerKeys[]),
        );
      }
    };
    await select(
      'id',
      buyers.flatMap((b) => (b.customerId === undefined ? [] : [b.customerId])),
    );
    for (const k of KEYS) {
      await select(
        KEY_COLUMN[k],
        buyers.flatMap((b) => (b[k] === undefined ? [] : [b[k] as string])),
      );
    }
    return rows;
  }

  /**
   * One new row per distinct buyer: buyers of one batch sharing an identifier are one
   * customer. INSERT IGNORE: a row a concurrent writer created first is found by the
   * look-up that follows.
   */
  private async create(buyers: BuyerIdentifiers[], q: SqlExecutor): Promise<void> {
    const pending: BuyerIdentifiers[] = [];
    const byKey = new Map<string, BuyerIdentifiers>();
    const keysOf = (b: BuyerIdentifiers) => [
      ...(b.customerId === undefined ? [] : [`id:${b.customerId}`]),
      ...KEYS.flatMap((k) => (b[k] === undefined ? [] : [`${k}:${b[k]!.toLowerCase()}`])),
    ];
    for (const b of buyers) {
      const same = keysOf(b)
        .map((k) => byKey.get(k))
        .find(Boolean);
      if (same) {
        for (const k of KEYS) same[k] ??= b[k];
        same.nickname ??= b.nickname;
      } else {
        const row = { ...b };
        pending.push(row);
        for (const k of keysOf(row)) byKey.set(k, row);
      }
    }
    const now = formatDateTime(this.clock.now());
    for (let i = 0; i < pending.length; i += CHUNK) {
      const rows = pending
        .slice(i, i + CHUNK)
        .map((b) => [
          b.customerId ?? null,
          b.nickname ?? null,
          b.nickname ?? null,
          b.mobile ?? null,
          b.unionid ?? null,
          b.youzanBuyerId ?? null,
          now,
        ]);
      await q.query(
        `INSERT IGNORE INTO customers (id, name, nickname, mobile, unionid, youzan_buyer_id, created_at)
         VALUES ?`,
        [rows],
      );
    }
  }

  /** Identifiers a matched customer lacked; UPDATE IGNORE leaves one another customer holds. */
  private async fillIn(buyers: BuyerIdentifiers[], known: Known, q: SqlExecutor): Promise<void> {
    const done = new Set<string>();
    for (const b of buyers) {
      const c = known.match(b)!;
      for (const k of KEYS) {
        const column = KEY_COLUMN[k];
        const v = b[k];
        if (v === undefined || c[column] !== null || done.has(`${c.id}:${column}`)) continue;
        done.add(`${c.id}:${column}`);
        await q.query(
          `UPDATE IGNORE customers SET ${column} = ? WHERE id = ? AND ${column} IS NULL`,
          [v, c.id],
        );
        c[column] = v;
      }
    }
  }
}
