import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig, Clock, MetricsRegistry } from '@app/common';
import { OrderFeedService } from './order-feed.service';
import { orderFeedFreshness } from './order-feed-freshness';

const IMPORT_STATES = ['queued', 'running', 'done', 'failed', 'cancelled'] as const;

/** A read that fails (MySQL away) leaves the series out of this scrape instead of failing it. */
const quietly = async (read: () => Promise<void>): Promise<void> => {
  await read().catch(() => undefined);
};

/**
 * The order feed's series, read from MySQL at scrape time (api and worker alike; dashboards
 * and alerts take `max` over instances):
 *
 * - `wpp_order_feed_last_success_age_seconds{feed}` — per configured feed, seconds since its
 *   last success (left out for a feed that never succeeded);
 * - `wpp_order_feed_stale` — 1 while the freshness guard skips scheduled slots (a feed is
 *   configured and its newest success is older than ORDER_FEED_MAX_AGE_HOURS), else 0;
 * - `wpp_order_imports{state}` — file imports per state, all time;
 * - `wpp_order_import_rows_read` — rows read so far by the imports running now (progress).
 */
@Injectable()
export class IngestMetrics {
  constructor(
    feeds: OrderFeedService,
    db: DataSource,
    clock: Clock,
    @Inject(APP_CONFIG) config: AppConfig,
    metrics: MetricsRegistry,
  ) {
    metrics.gauge({
      name: 'wpp_order_feed_last_success_age_seconds',
      help: "Seconds since an order feed's last successful Youzan pull or file import",
      labelNames: ['feed'],
      collect() {
        this.reset();
        const now = clock.now().getTime();
        return quietly(async () => {
          for (const f of await feeds.freshness()) {
            if (f.lastSuccessAt)
              this.set({ feed: f.feed }, Math.max(0, (now - f.lastSuccessAt.getTime()) / 1000));
          }
        });
      },
    });
    metrics.gauge({
      name: 'wpp_order_feed_stale',
      help: 'Whether the order-feed freshness guard skips scheduled slots now (1) or not (0)',
      collect() {
        this.reset();
        return quietly(async () => {
          const f = orderFeedFreshness(
            await feeds.freshness(),
            clock.now(),
            config.ORDER_FEED_MAX_AGE_HOURS,
          );
          this.set(f.stale ? 1 : 0);
        });
      },
    });
    metrics.gauge({
      name: 'wpp_order_imports',
      help: 'Order file imports per state, all time',
      labelNames: ['state'],
      collect() {
        this.reset();
        return quietly(async () => {
          const rows: { state: string; n: number | string }[] = await db.query(
            'SELECT state, COUNT(*) AS n FROM order_imports GROUP BY state',
          );
          for (const s of IMPORT_STATES) this.set({ state: s }, 0);
          for (const r of rows) this.set({ state: r.state }, Number(r.n));
        });
      },
    });
    metrics.gauge({
      name: 'wpp_order_import_rows_read',
      help: 'Rows read so far by the order file imports running now',
      collect() {
        this.reset();
        return quietly(async () => {
          const [r]: { n: number | string | null }[] = await db.query(
            "SELECT SUM(rows_read) AS n FROM order_imports WHERE state = 'running'",
          );
          this.set(Number(r?.n ?? 0));
        });
      },
    });
  }
}
