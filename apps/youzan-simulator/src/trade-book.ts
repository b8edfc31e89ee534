import { deriveOrderStatus, OrderStatus } from '@app/database';
import { formatDateTime, parseBusinessDateTime, seededRandom } from '@app/common';
import type { YouzanLineItem, YouzanTrade } from '@app/youzan';
import type { YouzanSimSettings } from './youzan-sim-settings';

const CITIES = ['上海市', '杭州市', '北京市', '南京市', '苏州市', '广州市', '深圳市', '成都市'];
/** Offline stores (网点): id, name. Orders of about a third of trades name none (online). */
const STORES: [number, string][] = [
  [7001, '上海徐汇店'],
  [7002, '杭州西湖店'],
  [7003, '北京朝阳店'],
  [7004, '南京新街口店'],
];
const CATEGORIES: [string, string][] = [
  ['201', '乳制品'],
  ['202', '新鲜水果'],
  ['203', '休闲零食'],
  ['204', '粮油调味'],
];
/** SKU code, title, brand, category index, unit price in fen. */
const SKUS: [string, string, string, number, number][] = [
  ['YL-MILK-250x24', '伊利纯牛奶 250ml×24', '伊利', 0, 6990],
  ['MN-MILK-250x16', '蒙牛纯牛奶 250ml×16', '蒙牛', 0, 4590],
  ['GM-YOG-200x12', '光明莫斯利安 200g×12', '光明', 0, 5980],
  ['FR-APPLE-5KG', '烟台红富士苹果 5kg', '果园优选', 1, 5990],
  ['FR-CHERRY-1KG', '智利车厘子 1kg', '果园优选', 1, 12800],
  ['SN-NUTS-750', '三只松鼠每日坚果 750g', '三只松鼠', 2, 8990],
  ['SN-CHIPS-6', '乐事薯片 6 袋装', '乐事', 2, 3290],
  ['GR-RICE-10KG', '金龙鱼东北大米 10kg', '金龙鱼', 3, 7990],
  ['GR-OIL-5L', '金龙鱼花生油 5L', '金龙鱼', 3, 11990],
  ['GR-SOY-500', '海天生抽 500ml', '海天', 3, 1290],
];

const yuan = (fen: number) => `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
const fenOf = (yuanText: string) => {
  const [w, f = ''] = yuanText.split('.');
  return Number(w) * 100 + Number(f.padEnd(2, '0'));
};

/** One simulated trade: Youzan's structure plus when it was last updated (ms). */
interface SimTrade {
  trade: YouzanTrade;
  updatedMs: number;
  createdMs: number;
}

/** What the simulator holds about a trade, in the connector's terms (tests compare with it). */
export interface SimOrderView {
  tid: string;
  tradeStatus: string;
  /** deriveOrderStatus of the trade: null while unpaid (no order expected). */
  status: OrderStatus | null;
  payment: string;
  refundedFee: string | null;
  updateTime: string;
  buyer: string;
  items: number;
}

export type TradeAction = 'refund' | 'partial-refund' | 'close' | 'complete' | 'pay' | 'ship';

/**
 * The simulated shop's trades: generated from a seed at start, changed through the control
 * routes (new trades, payments, refunds, closes), queried by update time as
 * youzan.trades.sold.get does and one by one as youzan.trade.get does.
 */
export class TradeBook {
  private trades = new Map<string, SimTrade>();
  private random: () => number;
  private sequence = 0;

  constructor(private settings: YouzanSimSettings) {
    this.random = seededRandom(settings.seed);
    this.generate(settings.trades, settings.days);
  }

  reset(settings: YouzanSimSettings): void {
    this.settings = settings;
    this.trades = new Map();
    this.random = seededRandom(settings.seed);
    this.sequence = 0;
    this.generate(settings.trades, settings.days);
  }

  get size(): number {
    return this.trades.size;
  }

  private generate(count: number, days: number): void {
    const now = Date.now();
    for (let i = 0; i < count; i++) {
      const createdMs = now - Math.floor(this.random() * days * 86_400_000);
      const updatedMs = Math.min(now, createdMs + Math.floor(this.random() * 2 * 3_600_000));
      const t = this.newTrade(createdMs);
      const x = this.random();
      if (x < 0.05) this.setStatus(t, 'WAIT_BUYER_PAY');
      else if (x < 0.1) this.refund(t, null);
      else if (x < 0.13) this.setStatus(t, 'TRADE_CLOSED');
      else if (x < 0.17) this.refund(t, Math.max(1, Math.floor(fenOf(this.payment(t)) * 0.3)));
      else if (x < 0.3) this.setStatus(t, 'WAIT_SELLER_SEND_GOODS');
      else if (x < 0.45) this.setStatus(t, 'WAIT_BUYER_CONFIRM_GOODS');
      this.put({ trade: t, createdMs, updatedMs });
    }
  }

  /** New paid trades created now (or at `at`: an update time in the past, as a late index shows it). */
  create(count: number, at?: string): SimTrade[] {
    const updatedMs = at ? parseBusinessDateTime(at).getTime() : Date.now();
    const made: SimTrade[] = [];
    for (let i = 0; i < count; i++) {
      const s = { trade: this.newTrade(updatedMs), createdMs: updatedMs, updatedMs };
      this.put(s);
      made.push(s);
    }
    return made;
  }

  /** Applies `action` to a trade; its update time becomes now (or `at`). */
  change(tid: string, action: TradeAction, at?: string, refundFen?: number): SimTrade | undefined {
    const s = this.trades.get(tid);
    if (!s) return undefined;
    const t = s.trade;
    if (action === 'refund') this.refund(t, null);
    else if (action === 'partial-refund') {
      this.refund(t, refundFen ?? Math.max(1, Math.floor(fenOf(this.payment(t)) / 3)));
    } else if (action === 'close') this.setStatus(t, 'TRADE_CLOSED');
    else if (action === 'complete') this.setStatus(t, 'TRADE_SUCCESS');
    else if (action === 'ship') this.setStatus(t, 'WAIT_BUYER_CONFIRM_GOODS');
    else this.setStatus(t, 'WAIT_SELLER_SEND_GOODS');
    s.updatedMs = at ? parseBusinessDateTime(at).getTime() : Date.now();
    this.stamp(s);
    return s;
  }

  /** Random changes of existing trades (seeded): refunds, closes, completions. */
  churn(counts: { refund?: number; close?: number; complete?: number }): string[] {
    const tids = [...this.trades.keys()];
    const changed: string[] = [];
    const pick = () => tids[Math.floor(this.random() * tids.length)];
    for (const [action, n] of [
      ['refund', counts.refund ?? 0],
      ['close', counts.close ?? 0],
      ['complete', counts.complete ?? 0],
    ] as [TradeAction, number][]) {
      for (let i = 0; i < n && tids.length > 0; i++) {
        const tid = pick();
        this.change(tid, action);
        changed.push(tid);
      }
    }
    return changed;
  }

  get(tid: string): YouzanTrade | undefined {
    return this.trades.get(tid)?.trade;
  }

  /** Trades updated within [start, end] (whole seconds, both included), newest creation first. */
  byUpdateTime(startMs: number, endMs: number): YouzanTrade[] {
    return [...this.trades.values()]
      .filter((s) => {
        const sec = Math.floor(s.updatedMs / 1000) * 1000;
        return sec >= startMs && sec <= endMs;
      })
      .sort(
        (a, b) =>
          b.createdMs - a.createdMs ||
          (a.trade.full_order_info.order_info.tid < b.trade.full_order_info.order_info.tid
            ? -1
            : 1),
      )
      .map((s) => s.trade);
  }

  views(): SimOrderView[] {
    return [...this.trades.values()].map((s) => {
      const info = s.trade.full_order_info.order_info;
      const refunded = (s.trade.refund_order ?? [])
        .filter((r) => r.refund_state === 'SUCCESS')
        .reduce((sum, r) => sum + fenOf(r.refund_fee ?? '0'), 0);
      const payment = this.payment(s.trade);
      const refundedFee = refunded > 0 ? yuan(refunded) : null;
      return {
        tid: info.tid,
        tradeStatus: info.status,
        status: deriveOrderStatus({
          status: info.status,
          refundState: info.refund_state,
          payment,
          refundedFee,
        }),
        payment,
        refundedFee,
        updateTime: info.update_time as string,
        buyer: s.trade.full_order_info.buyer_info?.yz_open_id as string,
        items: s.trade.full_order_info.orders?.length ?? 0,
      };
    });
  }

  private put(s: SimTrade): void {
    this.stamp(s);
    this.trades.set(s.trade.full_order_info.order_info.tid, s);
  }

  private stamp(s: SimTrade): void {
    s.trade.full_order_info.order_info.update_time = formatDateTime(new Date(s.updatedMs));
  }

  private payment(t: YouzanTrade): string {
    return t.full_order_info.pay_info?.payment ?? '0.00';
  }

  private setStatus(t: YouzanTrade, status: string): void {
    const info = t.full_order_info.order_info;
    info.status = status;
    if (status !== 'WAIT_BUYER_PAY' && !info.pay_time) info.pay_time = info.created;
    if (status === 'WAIT_BUYER_PAY') delete info.pay_time;
  }

  /** A refund: in full (`fen` null) closes the trade, a partial one keeps its status. */
  private refund(t: YouzanTrade, fen: number | null): void {
    const paid = fenOf(this.payment(t));
    const already = (t.refund_order ?? []).reduce((s, r) => s + fenOf(r.refund_fee ?? '0'), 0);
    const amount = Math.min(paid - already, fen ?? paid - already);
    if (amount <= 0) return;
    t.refund_order = [
      ...(t.refund_order ?? []),
      {
        refund_id: `R${t.full_order_info.order_info.tid.slice(1)}${(t.refund_order?.length ?? 0) + 1}`,
        refund_fee: yuan(amount),
        refund_state: 'SUCCESS',
      },
    ];
    const full = already + amount >= paid;
    t.full_order_info.order_info.refund_state = full ? 12 : 2;
    if (full) t.full_order_info.order_info.status = 'TRADE_CLOSED';
  }

  private newTrade(createdMs: number): YouzanTrade {
    const n = ++this.sequence;
    const r = this.random;
    const created = formatDateTime(new Date(createdMs));
    const tid = `E${created.replace(/\D/g, '')}${String(this.settings.seed).slice(-2).padStart(2, '0')}${String(n).padStart(7, '0')}`;
    const buyers = Math.max(50, Math.floor(this.settings.trades / 3));
    const b = Math.floor(r() * buyers);
    const lines = 1 + Math.floor(r() * 4);
    const orders: YouzanLineItem[] = [];
    let total = 0;
    for (let i = 0; i < lines; i++) {
      const [code, title, brand, cat, priceFen] = SKUS[Math.floor(r() * SKUS.length)];
      const num = 1 + Math.floor(r() * 3);
      total += num * priceFen;
      orders.push({
        oid: `${n}${i}`,
        item_id: 100 + SKUS.findIndex((s) => s[0] === code),
        sku_id: 1000 + SKUS.findIndex((s) => s[0] === code),
        outer_sku_id: code,
        title,
        num,
        price: yuan(priceFen),
        payment: yuan(num * priceFen),
        brand_name: brand,
        category_id: CATEGORIES[cat][0],
        category_name: CATEGORIES[cat][1],
      });
    }
    const store = r() < 0.65 ? STORES[Math.floor(r() * STORES.length)] : undefined;
    return {
      full_order_info: {
        order_info: {
          tid,
          status: 'TRADE_SUCCESS',
          created,
          pay_time: created,
          refund_state: 0,
          // Youzan sends kdt ids as numbers.
          node_kdt_id: parseInt(this.settings.kdtId, 10),
          offline_id: store ? store[0] : 0,
          ...(store ? { shop_name: store[1] } : {}),
        },
        buyer_info: {
          buyer_id: 500000 + b,
          yz_open_id: `yzo${this.settings.seed}x${b}`,
          buyer_phone: `1${3 + (b % 6)}${String(10_000_000 + ((b * 7919) % 89_999_999)).padStart(9, '0')}`,
          fans_nickname: `顾客${b}`,
          ...(b % 5 < 3 ? { union_id: `oUnion${this.settings.seed}x${b}` } : {}),
        },
        pay_info: { payment: yuan(total), total_fee: yuan(total), post_fee: '0.00' },
        address_info: {
          delivery_province: '',
          delivery_city: CITIES[b % CITIES.length],
          delivery_district: '',
        },
        orders,
      },
    };
  }
}
