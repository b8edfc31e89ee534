import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@app/common';
import { IngestOrdersService, NormalisedOrder } from '@app/ingest';
import { mapYouzanTrade, UnreadableTradeError, YouzanShop } from './map-youzan-trade';
import type { YouzanTrade } from './youzan-trade.types';

/** What storing some trades did. */
export interface StoreReport {
  /** Trades given (a trade read in two overlapping queries counts twice). */
  trades: number;
  /** Trades not paid yet: no order stored. */
  unpaid: number;
  inserted: number;
  updated: number;
  unchanged: number;
  stale: number;
  /** Trades the mapping or the core could not store (logged with the reason). */
  rejected: number;
}

export const emptyReport = (): StoreReport => ({
  trades: 0,
  unpaid: 0,
  inserted: 0,
  updated: 0,
  unchanged: 0,
  stale: 0,
  rejected: 0,
});

export function add(into: StoreReport, from: StoreReport): void {
  into.trades += from.trades;
  into.unpaid += from.unpaid;
  into.inserted += from.inserted;
  into.updated += from.updated;
  into.unchanged += from.unchanged;
  into.stale += from.stale;
  into.rejected += from.rejected;
}

/**
 * Youzan trades into the ingestion core: mapped (`mapYouzanTrade`), upserted by order
 * number. The pull and the push messages both store through here. An unreadable trade is
 * logged and left out; the others are stored.
 */
@Injectable()
export class YouzanTradeStore {
  private readonly logger = new Logger('YouzanTrades');
  private readonly shop: YouzanShop;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly ingest: IngestOrdersService,
  ) {
    const kdtId = config.YOUZAN_KDT_ID ?? '';
    this.shop = { kdtId, name: `有赞店铺 ${kdtId}` };
  }

  async store(trades: YouzanTrade[]): Promise<StoreReport> {
    const report = { ...emptyReport(), trades: trades.length };
    const orders: NormalisedOrder[] = [];
    for (const trade of trades) {
      try {
        const order = mapYouzanTrade(trade, this.shop);
        if (order === null) report.unpaid++;
        else orders.push(order);
      } catch (e) {
        if (!(e instanceof UnreadableTradeError)) throw e;
        report.rejected++;
        this.logger.warn(e.message);
      }
    }
    if (orders.length === 0) return report;
    const result = await this.ingest.upsert(orders);
    for (const r of result.rejected) {
      this.logger.warn(`Youzan trade ${r.orderNumber} not stored: ${r.problems.join('; ')}`);
    }
    report.inserted = result.inserted;
    report.updated = result.updated;
    report.unchanged = result.unchanged;
    report.stale = result.stale;
    report.rejected += result.rejected.length;
    return report;
  }
}
