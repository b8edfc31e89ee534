import { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { AppConfigModule } from '@app/common';
import { DatabaseModule } from '@app/database';
import { AudienceModule, SelectAudienceService } from '@app/audience';
import { truncate } from '../../../test/utils/db';

export const COMPANY_TABLES = [
  'wechat_labels',
  'wechat_customers_labels',
  'customers',
  'youzan_orders',
  'order_buyers',
  'customer_last_order',
  'customer_label_orders',
  'customer_shared_external_ids',
  'customer_rfm',
];

export interface AudienceHarness {
  ctx: INestApplicationContext;
  db: DataSource;
  audience: SelectAudienceService;
  close(): Promise<void>;
}

export async function startAudience(): Promise<AudienceHarness> {
  const moduleRef = await Test.createTestingModule({
    imports: [AppConfigModule, DatabaseModule, AudienceModule],
  }).compile();
  const ctx = await moduleRef.init();
  return {
    ctx,
    db: ctx.get(DataSource),
    audience: ctx.get(SelectAudienceService),
    close: () => ctx.close(),
  };
}

export const resetCompanyTables = (db: DataSource) => truncate(db, ...COMPANY_TABLES);

export interface Fixture {
  labels?: { id: number; type: number; bindId: string | null; name: string }[];
  customers?: { id: number; ext: string | null }[];
  orders?: {
    id: number;
    userIds: string | null;
    at: string;
    /** Yuan; absent: NULL (amount unknown). */
    payment?: number;
    refundedFee?: number;
    status?: 'paid' | 'completed' | 'closed' | 'refunded';
  }[];
  /** [customerId, labelId, orderId] */
  links?: [number, number, number][];
}

/** Inserts a fixture with multi-row INSERTs (orders go through the projection triggers). */
export async function insertFixture(db: DataSource, f: Fixture): Promise<void> {
  const many = async (table: string, columns: string[], rows: unknown[][]) => {
    for (let i = 0; i < rows.length; i += 2000) {
      const chunk = rows.slice(i, i + 2000);
      await db.query(
        `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${chunk
          .map(() => `(${columns.map(() => '?').join(', ')})`)
          .join(', ')}`,
        chunk.flat(),
      );
    }
  };
  if (f.labels?.length) {
    await many(
      'wechat_labels',
      ['id', 'type', 'bind_id', 'name'],
      f.labels.map((l) => [l.id, l.type, l.bindId, l.name]),
    );
  }
  if (f.customers?.length) {
    await many(
      'customers',
      ['id', 'name', 'external_userid'],
      f.customers.map((c) => [c.id, `customer ${c.id}`, c.ext]),
    );
  }
  if (f.orders?.length) {
    await many(
      'youzan_orders',
      [
        'id',
        'order_number',
        'user_ids',
        'order_creation_time',
        'payment',
        'refunded_fee',
        'status',
      ],
      f.orders.map((o) => [
        o.id,
        `E${o.id}`,
        o.userIds,
        o.at,
        o.payment ?? null,
        o.refundedFee ?? null,
        o.status ?? null,
      ]),
    );
  }
  if (f.links?.length) {
    await many('wechat_customers_labels', ['customer_id', 'label_id', 'order_id'], f.links);
  }
}

export async function collect(batches: AsyncIterable<string[]>): Promise<string[][]> {
  const out: string[][] = [];
  for await (const b of batches) out.push(b);
  return out;
}
