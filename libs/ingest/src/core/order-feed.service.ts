import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** The order feeds the system knows: the Youzan connector and the file import. */
type OrderFeed = 'youzan' | 'file';

/** One configured feed: when it last delivered, and its last failure. */
interface OrderFeedState {
  feed: OrderFeed;
  /** The last successful pull / import; null: it never succeeded. */
  lastSuccessAt: Date | null;
  lastAttemptAt: Date | null;
  lastError: string | null;
  lastErrorAt: Date | null;
}

const MAX_ERROR = 1000;

/**
 * How fresh the order data is (issue 20's freshness guard reads it). A feed is configured
 * once it recorded anything: the Youzan connector records each pull, the file import each
 * real (not dry-run) import. No row at all: the orders come from elsewhere (an outside ETL),
 * and the guard stays off.
 */
@Injectable()
export class OrderFeedService {
  constructor(private readonly db: DataSource) {}

  /** The feed delivered everything up to `at` (a later success never moves it back). */
  async recordSuccess(feed: OrderFeed, at: Date): Promise<void> {
    await this.db.query(
      `INSERT INTO order_feeds (feed, last_success_at, last_attempt_at, created_at)
       VALUES (?, ?, ?, ?)
       ON DUPLICATE KEY UPDATE
         last_success_at = GREATEST(IFNULL(last_success_at, VALUES(last_success_at)), VALUES(last_success_at)),
         last_attempt_at = GREATEST(IFNULL(last_attempt_at, VALUES(last_attempt_at)), VALUES(last_attempt_at))`,
      [feed, at, at, at],
    );
  }

  /** The feed tried at `at` and failed; its last success stays what it was. */
  async recordFailure(feed: OrderFeed, error: string, at: Date): Promise<void> {
    await this.db.query(
      `INSERT INTO order_feeds (feed, last_attempt_at, last_error, last_error_at, created_at)
       VALUES (?, ?, ?, ?, ?)
       ON DUPLICATE KEY UPDATE
         last_attempt_at = GREATEST(IFNULL(last_attempt_at, VALUES(last_attempt_at)), VALUES(last_attempt_at)),
         last_error = VALUES(last_error), last_error_at = VALUES(last_error_at)`,
      [feed, at, error.slice(0, MAX_ERROR), at, at],
    );
  }

  /** Every configured feed (none: no feed configured, the guard is off). */
  async freshness(): Promise<OrderFeedState[]> {
    const rows = (await this.db.query(
      `SELECT feed, last_success_at, last_attempt_at, last_error, last_error_at
         FROM order_feeds ORDER BY feed`,
    )) as {
      feed: OrderFeed;
      last_success_at: Date | null;
      last_attempt_at: Date | null;
      last_error: string | null;
      last_error_at: Date | null;
    }[];
    return rows.map((r) => ({
      feed: r.feed,
      lastSuccessAt: r.last_success_at,
      lastAttemptAt: r.last_attempt_at,
      lastError: r.last_error,
      lastErrorAt: r.last_error_at,
    }));
  }
}
