import { isCalendarDate, isCalendarDateTime, shanghaiInstant } from '@app/common';
import type { NormalisedLineItem, NormalisedOrder } from '../normalised-order';
import { normaliseYuan } from '../core/order-rows';
import { fileStatus, HeaderMap, OrderFileField } from './order-file-columns';
import { SeenOrderNumbers } from './seen-order-numbers';

/** A cell as a reader hands it over: text, or a date an XLSX cell held (its wall time in UTC fields). */
export type Cell = string | Date;

/** Why a row was rejected (stable codes: the report's `reason` column). */
export type RejectReason =
  | 'missing'
  | 'bad_date'
  | 'bad_amount'
  | 'negative_amount'
  | 'unknown_status'
  | 'not_a_sale'
  | 'bad_quantity'
  | 'bad_customer_id'
  | 'no_buyer'
  | 'too_long'
  | 'inconsistent'
  | 'split_order'
  | 'order_rejected'
  | 'not_stored';

export interface RowProblem {
  line: number;
  orderNumber: string;
  /** The file's own header of the column (empty when the problem is the row's). */
  column: string;
  reason: RejectReason;
  message: string;
  value: string;
}

interface ParsedRow {
  line: number;
  order: Omit<NormalisedOrder, 'items'>;
  /** The order-level values, to check the rows of one order agree. */
  orderKey: Partial<Record<OrderFileField, string>>;
  item: NormalisedLineItem;
}

const ORDER_LEVEL: OrderFileField[] = [
  'order_time',
  'status',
  'payment',
  'refunded_fee',
  'customer_id',
  'mobile',
  'unionid',
  'youzan_buyer_id',
  'city',
  'warehouse_id',
];
const MAX_ID = 64;
const MAX_NAME = 255;

const pad = (n: number) => String(n).padStart(2, '0');
/** The first year Shanghai's offset is +08:00 all year. */
const FIXED_OFFSET_YEAR = 1992;

/** An order time: `YYYY-MM-DD HH:mm:ss` (or with `/`, or without seconds) in Shanghai, or an XLSX date. */
export function parseOrderTime(cell: Cell): Date | undefined {
  if (cell instanceof Date) {
    if (Number.isNaN(cell.getTime())) return undefined;
    // Excel stores wall time without a zone; exceljs hands it over in the UTC fields.
    const d = cell;
    const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
    return shanghaiInstant(
      date,
      `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`,
    );
  }
  const m = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(
    cell.trim(),
  );
  if (!m) return undefined;
  const date = `${m[1]}-${pad(+m[2])}-${pad(+m[3])}`;
  const time = `${pad(+m[4])}:${m[5]}:${m[6] ?? '00'}`;
  // Since 1992 Shanghai has no daylight saving, so a calendar date and a clock time in range
  // is a real instant; the zone database (luxon, costly per row) is asked only before that.
  const real =
    +m[1] >= FIXED_OFFSET_YEAR
      ? isCalendarDate(date) && +m[4] < 24 && +m[5] < 60 && +(m[6] ?? 0) < 60
      : isCalendarDateTime(`${date} ${time}`);
  return real ? shanghaiInstant(date, time) : undefined;
}

/** A yuan amount as a file writes it: "12.3", "¥1,234.50"; undefined when not one. */
export function parseYuan(text: string): { yuan?: string; negative: boolean } {
  const t = text
    .trim()
    .replace(/^[¥￥]/, '')
    .replace(/,/g, '')
    .trim();
  if (/^-\s*\d/.test(t)) return { negative: true };
  return { yuan: normaliseYuan(t), negative: false };
}

/** Reads one row's cells into an order line, or the problems that reject it. */
export function parseRow(line: number, cells: Cell[], header: HeaderMap): ParsedRow | RowProblem[] {
  const problems: RowProblem[] = [];
  const raw = (f: OrderFileField): Cell | undefined => {
    const i = header.columns[f];
    return i === undefined ? undefined : cells[i];
  };
  const text = (f: OrderFileField): string => {
    const v = raw(f);
    if (v === undefined) return '';
    return v instanceof Date ? v.toISOString() : v.trim();
  };
  const orderNumber = text('order_number');
  const problem = (f: OrderFileField | null, reason: RejectReason, message: string) =>
    problems.push({
      line,
      orderNumber,
      column: f ? (header.names[f] ?? f) : '',
      reason,
      message,
      value: f ? text(f).slice(0, 200) : '',
    });
  const limited = (f: OrderFileField, max: number): string | undefined => {
    const v = text(f);
    if (v.length > max) {
      problem(f, 'too_long', `longer than ${max} characters`);
      return undefined;
    }
    return v || undefined;
  };
  const amount = (f: OrderFileField, required: boolean): string | undefined => {
    const v = text(f);
    if (!v) {
      if (required) problem(f, 'missing', 'empty');
      return undefined;
    }
    const a = parseYuan(v);
    if (a.negative) problem(f, 'negative_amount', 'a negative amount');
    else if (a.yuan === undefined)
      problem(f, 'bad_amount', 'not an amount in yuan (at most 2 decimals)');
    return a.yuan;
  };

  if (!orderNumber) problem('order_number', 'missing', 'no order number');
  else if (orderNumber.length > MAX_ID)
    problem('order_number', 'too_long', `longer than ${MAX_ID} characters`);

  const timeCell = raw('order_time');
  const createdAt =
    timeCell === undefined || timeCell === '' ? undefined : parseOrderTime(timeCell);
  if (timeCell === undefined || timeCell === '') problem('order_time', 'missing', 'empty');
  else if (!createdAt) problem('order_time', 'bad_date', 'not a date-time YYYY-MM-DD HH:mm:ss');

  const statusText = text('status');
  const status = statusText ? fileStatus(statusText) : undefined;
  if (!statusText) problem('status', 'missing', 'empty');
  else if (status === undefined) {
    problem(
      'status',
      'unknown_status',
      'not one of paid, completed, closed, refunded (or a Youzan status)',
    );
  } else if (status === null) problem('status', 'not_a_sale', 'not paid yet: no sale to import');

  const payment = amount('payment', true);
  const refundedFee = amount('refunded_fee', false);

  const customerText = text('customer_id');
  let customerId: number | undefined;
  if (customerText) {
    if (/^\d{1,15}$/.test(customerText) && Number(customerText) > 0)
      customerId = Number(customerText);
    else problem('customer_id', 'bad_customer_id', 'not a customer id (digits)');
  }
  const mobile = limited('mobile', 32);
  const unionid = limited('unionid', MAX_ID);
  const youzanBuyerId = limited('youzan_buyer_id', MAX_ID);
  if (
    !customerText &&
    !mobile &&
    !unionid &&
    !youzanBuyerId &&
    !problems.some((p) => p.reason === 'too_long')
  ) {
    problem(
      header.columns.customer_id !== undefined
        ? 'customer_id'
        : header.columns.mobile !== undefined
          ? 'mobile'
          : 'unionid',
      'no_buyer',
      'no customer id, mobile or unionid: the buyer cannot be matched (a nickname is not enough)',
    );
  }
  const nickname = limited('nickname', MAX_NAME);
  const city = limited('city', MAX_NAME);
  const warehouseId = limited('warehouse_id', MAX_ID);
  const warehouseName = limited('warehouse_name', MAX_NAME);

  // A Youzan export's 规格编码 is empty for goods without variants: then the 商品编码.
  const skuField: OrderFileField =
    text('sku_id') || header.columns.item_code === undefined ? 'sku_id' : 'item_code';
  const skuId = text(skuField);
  if (!skuId) problem(skuField, 'missing', 'no SKU id');
  else if (skuId.length > MAX_ID) problem(skuField, 'too_long', `longer than ${MAX_ID} characters`);
  const skuName = limited('sku_name', MAX_NAME);
  const brand = limited('brand', MAX_NAME);
  const categoryId = limited('category_id', MAX_ID);
  const categoryName = limited('category_name', MAX_NAME);

  const quantityText = text('quantity');
  const quantity = Number(quantityText);
  if (!quantityText) problem('quantity', 'missing', 'empty');
  else if (!/^\d{1,9}$/.test(quantityText) || quantity <= 0) {
    problem('quantity', 'bad_quantity', 'not a whole number above 0');
  }
  const price = amount('price', true);

  if (problems.length) return problems;
  const orderKey: ParsedRow['orderKey'] = {};
  for (const f of ORDER_LEVEL) orderKey[f] = text(f);
  orderKey.order_time = createdAt!.toISOString();
  return {
    line,
    orderKey,
    order: {
      orderNumber,
      buyer: { customerId, mobile, unionid, youzanBuyerId, nickname },
      createdAt: createdAt!,
      status: status!,
      payment: payment!,
      refundedFee,
      city,
      warehouse: warehouseId ? { id: warehouseId, name: warehouseName ?? warehouseId } : undefined,
    },
    item: {
      skuId,
      skuName: skuName ?? skuId,
      brand,
      category: categoryId ? { id: categoryId, name: categoryName ?? categoryId } : undefined,
      quantity,
      price: price!,
    },
  };
}

/** One order's rows, as read. */
interface Group {
  orderNumber: string;
  firstLine: number;
  rows: ParsedRow[];
  problems: RowProblem[];
  lines: number[];
}

/** What a finished group gave: the order to write, or its rows' problems. */
export type GroupResult =
  | { kind: 'order'; order: NormalisedOrder; lines: number[] }
  | { kind: 'rejected'; problems: RowProblem[]; rows: number };

/**
 * Groups consecutive rows of one order number into orders (docs/INGEST.md "Grouping"): the
 * rows of an order must be adjacent. A row without an order number is rejected alone; rows
 * of a number already finished earlier in the file are rejected (`split_order`) — the order
 * stays as its first run of rows made it. One bad row rejects its whole order: every other
 * row of it is reported as `order_rejected`. The numbers seen are kept as 64-bit fingerprints
 * (SeenOrderNumbers, 24–48 bytes each), the only memory that grows with the file.
 */
export class OrderGrouper {
  private current: Group | null = null;
  private readonly seen = new SeenOrderNumbers();

  constructor(private readonly header: HeaderMap) {}

  /** Adds a row; returns the results of groups it finished (the previous order, or itself). */
  add(line: number, cells: Cell[]): GroupResult[] {
    const parsed = parseRow(line, cells, this.header);
    const number = Array.isArray(parsed) ? parsed[0].orderNumber : parsed.order.orderNumber;
    if (!number) return [{ kind: 'rejected', problems: parsed as RowProblem[], rows: 1 }];
    const out: GroupResult[] = [];
    if (this.current && this.current.orderNumber !== number) out.push(this.finish());
    if (!this.current) {
      const earlier = this.seen.get(number);
      if (earlier !== undefined) {
        const problem: RowProblem = {
          line,
          orderNumber: number,
          column: this.header.names.order_number ?? 'order_number',
          reason: 'split_order',
          message: `this order's rows are not adjacent (its first rows end before line ${line}, from line ${earlier}): sort the file by order number`,
          value: number,
        };
        return [...out, { kind: 'rejected', problems: [problem], rows: 1 }];
      }
      this.seen.set(number, line);
      this.current = { orderNumber: number, firstLine: line, rows: [], problems: [], lines: [] };
    }
    this.current.lines.push(line);
    if (Array.isArray(parsed)) this.current.problems.push(...parsed);
    else this.current.rows.push(parsed);
    return out;
  }

  /** The last order's result at the end of the file. */
  end(): GroupResult[] {
    return this.current ? [this.finish()] : [];
  }

  private finish(): GroupResult {
    const g = this.current!;
    this.current = null;
    const first = g.rows[0];
    if (!g.problems.length && first) {
      for (const r of g.rows.slice(1)) {
        for (const f of ORDER_LEVEL) {
          if ((r.orderKey[f] ?? '') !== (first.orderKey[f] ?? '')) {
            g.problems.push({
              line: r.line,
              orderNumber: g.orderNumber,
              column: this.header.names[f] ?? f,
              reason: 'inconsistent',
              message: `differs from line ${first.line} of the same order`,
              value: (r.orderKey[f] ?? '').slice(0, 200),
            });
          }
        }
      }
    }
    if (g.problems.length) {
      const bad = new Set(g.problems.map((p) => p.line));
      const firstBad = Math.min(...bad);
      const others: RowProblem[] = g.lines
        .filter((l) => !bad.has(l))
        .map((l) => ({
          line: l,
          orderNumber: g.orderNumber,
          column: '',
          reason: 'order_rejected',
          message: `another row of this order was rejected (line ${firstBad})`,
          value: '',
        }));
      return {
        kind: 'rejected',
        problems: [...g.problems, ...others].sort((a, b) => a.line - b.line),
        rows: g.lines.length,
      };
    }
    return {
      kind: 'order',
      order: { ...first.order, items: g.rows.map((r) => r.item) },
      lines: g.lines,
    };
  }
}
