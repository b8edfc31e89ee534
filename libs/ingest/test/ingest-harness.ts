import { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { AppConfigModule } from '@app/common';
import { DatabaseModule } from '@app/database';
import { IngestModule, IngestOrdersService, NormalisedOrder, OrderFeedService } from '@app/ingest';
import { truncate } from '../../../test/utils/db';
import { PIPELINE_TABLES } from '../../../test/utils/pipeline';

export interface IngestHarness {
  ctx: INestApplicationContext;
  db: DataSource;
  ingest: IngestOrdersService;
  feeds: OrderFeedService;
  close(): Promise<void>;
}

/** The ingestion core on the worker's database, without HTTP or queues. */
export async function startIngest(): Promise<IngestHarness> {
  const moduleRef = await Test.createTestingModule({
    imports: [AppConfigModule, DatabaseModule, IngestModule],
  }).compile();
  const ctx = await moduleRef.init();
  return {
    ctx,
    db: ctx.get(DataSource),
    ingest: ctx.get(IngestOrdersService),
    feeds: ctx.get(OrderFeedService),
    close: () => ctx.close(),
  };
}

export const resetIngestTables = (db: DataSource) =>
  truncate(db, ...PIPELINE_TABLES, 'order_feeds', 'order_imports');

/** A complete order with defaults, overridden field by field. */
export function order(orderNumber: string, o: Partial<NormalisedOrder> = {}): NormalisedOrder {
  return {
    orderNumber,
    buyer: { customerId: 1 },
    createdAt: new Date('2025-04-01T04:00:00Z'),
    status: 'completed',
    payment: '100.00',
    city: '上海',
    warehouse: { id: 'W1', name: '华东一仓' },
    items: [
      {
        skuId: 'SKU1',
        skuName: '伊利纯牛奶 250ml×24',
        brand: '伊利',
        category: { id: 'C1', name: '乳制品' },
        quantity: 1,
        price: '100.00',
      },
    ],
    ...o,
  };
}

/** A checksum of each table an import writes: equal before and after means nothing changed. */
export async function tableChecksums(db: DataSource): Promise<Record<string, string>> {
  // customers by content (not created_at: a customer created by another run of the same data
  // was created at another time).
  const [{ customers }] = (await db.query(
    `SELECT CONCAT(COUNT(*), ':', IFNULL(SUM(CRC32(CONCAT_WS('|', id, name, nickname, external_userid,
              mobile, unionid, youzan_buyer_id))), 0)) AS customers FROM customers`,
  )) as { customers: string }[];
  const tables = [
    'youzan_orders',
    'wechat_labels',
    'wechat_customers_labels',
    'order_buyers',
    'customer_last_order',
    'customer_label_orders',
  ];
  const rows = (await db.query(`CHECKSUM TABLE ${tables.join(', ')}`)) as {
    Table: string;
    Checksum: string | number;
  }[];
  return {
    customers,
    ...Object.fromEntries(rows.map((r) => [r.Table.split('.').pop(), String(r.Checksum)])),
  };
}
