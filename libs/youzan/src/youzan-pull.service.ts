import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig, Clock, formatDateTime, REDIS_CLIENT, redisKey } from '@app/common';
import { OrderFeedService } from '@app/ingest';
import { halves, nextWindow, slices, UpdateWindow } from './pull-window';
import { YouzanApi } from './youzan-api.service';
import { YouzanApiError } from './youzan-errors';
import { add, emptyReport, StoreReport, YouzanTradeStore } from './youzan-trade-store.service';
import type { YouzanTrade } from './youzan-trade.types';

/** What one pull did. */
export interface PullReport extends StoreReport {
  /** Set when nothing was read: not configured, or another pull holds the lock. */
  skipped?: 'not-configured' | 'running';
  window?: { start: string; end: string };
}

/** Results one query may page through; a slice holding more is halved. */
const MAX_RESULTS_PER_QUERY = 10_000;
/** Restarts of a slice whose total changed while it was paged before the pull gives up. */
const MAX_RESTARTS = 5;
/** Trades handed to the ingestion core at once (it writes them in transactions of its own). */
const STORE_TRADES = 1000;
/**
 * Calls of the core under way at once. One: two at once deadlock creating the same new buyers
 * (customers' unique keys) until the retries run out; one store still runs while the next
 * pages are fetched.
 */
const STORES_AT_ONCE = 1;
/** The pull lock outlives a stuck pull by this much at most. */
const LOCK_TTL_MS = 30 * 60_000;

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;

/**
 * The incremental pull (docs/INGEST.md "Youzan"): trades updated since the watermark (less
 * the overlap) read with `youzan.trades.sold.get` by update time, slice by slice and page by
 * page, mapped and upserted through the ingestion core; the watermark moves to each slice's
 * end once the slice is stored. One pull at a time across the deployment (a Redis lock).
 * A success or failure is recorded on the 'youzan' order feed for the freshness guard.
 */
@Injectable()
export class YouzanPullService {
  private readonly logger = new Logger('YouzanPull');
  private readonly kdtId: string;
  private readonly lockKey: string;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly db: DataSource,
    private readonly api: YouzanApi,
    private readonly trades: YouzanTradeStore,
    private readonly feeds: OrderFeedService,
    private readonly clock: Clock,
  ) {
    this.kdtId = config.YOUZAN_KDT_ID ?? '';
    this.lockKey = redisKey(config, 'youzan', 'pull', this.kdtId, 'lock');
  }

  async pull(): Promise<PullReport> {
    if (!this.api.configured) return { ...emptyReport(), skipped: 'not-configured' };
    const nonce = randomBytes(12).toString('hex');
    if (!(await this.redis.set(this.lockKey, nonce, 'PX', LOCK_TTL_MS, 'NX'))) {
      return { ...emptyReport(), skipped: 'running' };
    }
    const startedAt = this.clock.now();
    try {
      const report = await this.pullUntil(startedAt);
      await this.feeds.recordSuccess('youzan', startedAt);
      await this.recordOutcome(report.trades, null);
      this.logger.log({ msg: 'Youzan pull done', ...report });
      return report;
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      await this.feeds.recordFailure('youzan', message, this.clock.now());
      await this.recordOutcome(0, message);
      throw e;
    } finally {
      await this.redis.eval(RELEASE, 1, this.lockKey, nonce);
    }
  }

  private async pullUntil(now: Date): Promise<PullReport> {
    const window = nextWindow(await this.watermark(), now, {
      overlapMs: this.config.YOUZAN_PULL_OVERLAP_MINUTES * 60_000,
      initialMs: this.config.YOUZAN_INITIAL_PULL_DAYS * 86_400_000,
    });
    const report: PullReport = {
      ...emptyReport(),
      window: { start: formatDateTime(window.start), end: formatDateTime(window.end) },
    };
    for (const slice of slices(window, this.config.YOUZAN_PULL_SLICE_HOURS * 3_600_000)) {
      add(report, await this.pullSlice(slice));
      await this.advance(slice.end);
    }
    return report;
  }

  /** Every trade of the slice, stored; restarted when trades leave or enter it while paged. */
  private async pullSlice(slice: UpdateWindow): Promise<StoreReport> {
    const pageSize = this.config.YOUZAN_PAGE_SIZE;
    const query = (pageNo: number) =>
      this.api.tradesByUpdateTime({
        startUpdate: formatDateTime(slice.start),
        endUpdate: formatDateTime(slice.end),
        pageNo,
        pageSize,
      });
    for (let attempt = 1; attempt <= MAX_RESTARTS; attempt++) {
      const first = await query(1);
      const total = Number(first.total_results) || 0;
      if (total > MAX_RESULTS_PER_QUERY) {
        const parts = halves(slice);
        if (parts) {
          const report = emptyReport();
          for (const part of parts) add(report, await this.pullSlice(part));
          return report;
        }
      }
      const report = emptyReport();
      // Pages are stored STORE_TRADES at a time (one call of the core, not one per page), while
      // the next pages are fetched.
      let pending: YouzanTrade[] = [];
      const storing: Promise<StoreReport>[] = [];
      const store = async () => {
        if (!pending.length) return;
        if (storing.length >= STORES_AT_ONCE) add(report, await storing.shift()!);
        const stored = this.trades.store(pending);
        // Awaited below; marked handled so a failed fetch meanwhile does not leave it unobserved.
        stored.catch(() => undefined);
        storing.push(stored);
        pending = [];
      };
      let page = first;
      let moved = false;
      try {
        for (let pageNo = 1; ; pageNo++) {
          // A changed total means a trade left (updated after the slice) or entered (late) while
          // paging: pages shifted, one may have been skipped. What was read is stored anyway.
          if ((Number(page.total_results) || 0) !== total) moved = true;
          const list = page.full_order_info_list ?? [];
          pending.push(...list);
          if (
            moved ||
            list.length < pageSize ||
            pageNo * pageSize >= Math.min(total, MAX_RESULTS_PER_QUERY)
          ) {
            break;
          }
          if (pending.length >= STORE_TRADES) await store();
          page = await query(pageNo + 1);
        }
        await store();
        while (storing.length) add(report, await storing.shift()!);
      } finally {
        // A failed fetch or store still lets the stores under way finish before the pull ends.
        await Promise.allSettled(storing);
      }
      if (!moved) return report;
      this.logger.warn(
        `trades changed while paging ${formatDateTime(slice.start)}…, reading the slice again`,
      );
    }
    throw new YouzanApiError(
      'youzan.trades.sold.get',
      null,
      `trades kept changing while paging ${formatDateTime(slice.start)} – ${formatDateTime(slice.end)}`,
      true,
    );
  }

  private async watermark(): Promise<Date | null> {
    const rows: { watermark: Date | null }[] = await this.db.query(
      'SELECT watermark FROM youzan_pull_state WHERE kdt_id = ?',
      [this.kdtId],
    );
    return rows[0]?.watermark ?? null;
  }

  /** Moves the watermark forward to `end` (never back). */
  private async advance(end: Date): Promise<void> {
    await this.db.query(
      `INSERT INTO youzan_pull_state (kdt_id, watermark, updated_at) VALUES (?, ?, ?)
       ON DUPLICATE KEY UPDATE
         watermark = GREATEST(IFNULL(watermark, VALUES(watermark)), VALUES(watermark)),
                               updated_at = VALUES(updated_at)`,
      [this.kdtId, end, this.clock.now()],
    );
  }

  private async recordOutcome(trades: number, error: string | null): Promise<void> {
    const now = this.clock.now();
    await this.db.query(
      `INSERT INTO youzan_pull_state (kdt_id, watermark, last_pull_at, last_trades, last_error, updated_at)
       VALUES (?, NULL, ?, ?, ?, ?)
       ON DUPLICATE KEY UPDATE last_pull_at = VALUES(last_pull_at),
         last_trades = IF(VALUES(last_error) IS NULL, VALUES(last_trades), last_trades),
         last_error = VALUES(last_error), updated_at = VALUES(updated_at)`,
      [this.kdtId, now, trades, error?.slice(0, 1000) ?? null, now],
    );
  }
}
