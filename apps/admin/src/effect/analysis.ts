import dayjs, { type Dayjs } from 'dayjs';
import type { GoodsDimension, GoodsRow, PushFigures, ReportGranularity } from '../api/types';

export const DATE = 'YYYY-MM-DD';

/** Today in Asia/Shanghai (UTC+8, no DST), the zone the API reads dates in, as a local Dayjs. */
export const shanghaiToday = (): Dayjs => {
  const now = new Date();
  return dayjs(now.getTime() + (8 * 60 + now.getTimezoneOffset()) * 60_000);
};

export const num = (n: number) => n.toLocaleString('zh-CN');
/**
 * Revenue from the API (exact decimal yuan as a string, "1234.50") as ¥1,234.50: formatted
 * from the text, never through a float.
 */
export function yuanText(s: string): string {
  const m = /^(-?)(\d+)\.(\d{2})$/.exec(s);
  if (!m) return s;
  return `${m[1]}¥${m[2].replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${m[3]}`;
}

/** A 4-decimal rate from the API as a percentage with 2 decimals. */
export const pct = (r: number) => `${(r * 100).toFixed(2)}%`;

export const GOODS_DIMENSIONS: { value: GoodsDimension; label: string }[] = [
  { value: 'sku', label: 'SKU' },
  { value: 'brand', label: '品牌' },
  { value: 'category', label: '品类' },
  { value: 'city', label: '城市' },
  { value: 'store', label: '门店' },
];

const DEFAULT_DIMENSION: GoodsDimension = 'sku';

/** A dimension from the URL; anything unknown is the default. */
export function parseDimension(raw: string | null | undefined): GoodsDimension {
  return GOODS_DIMENSIONS.find((d) => d.value === raw)?.value ?? DEFAULT_DIMENSION;
}

/** The API takes 1..100 groups (default 10). */
const GOODS_LIMIT = { min: 1, max: 100, default: 10 } as const;
export const GOODS_LIMIT_OPTIONS = [5, 10, 20, 50, 100];

/** A limit from the URL or the input: a whole number clamped to 1..100, else the default. */
export function parseLimit(raw: string | number | null | undefined): number {
  const n = typeof raw === 'number' ? raw : raw?.trim() ? Number(raw) : NaN;
  if (!Number.isFinite(n)) return GOODS_LIMIT.default;
  return Math.min(GOODS_LIMIT.max, Math.max(GOODS_LIMIT.min, Math.trunc(n)));
}

/** What a row of the goods breakdown is called on screen: the label with its id when they differ. */
export function goodsRowLabel(r: Pick<GoodsRow, 'id' | 'name' | 'bucket'>): string {
  if (r.bucket !== 'label' || r.id === null || r.id === r.name || r.name === '') {
    return r.name || (r.id ?? '');
  }
  return `${r.name}（${r.id}）`;
}

/** The sum of the rows' shares (the API rounds each to 4 decimals), for the total row. */
export function shareSum(rows: Pick<GoodsRow, 'share'>[]): number {
  return Math.round(rows.reduce((s, r) => s + r.share * 10_000, 0)) / 10_000;
}

/** At most this many rules side by side (the API's limit). */
export const MAX_COMPARE = 10;

/** Rule ids from the URL (`ids=3,1,7`): positive whole numbers, first occurrence kept, in order. */
export function parseRuleIds(raw: string | null | undefined): number[] {
  const ids: number[] = [];
  for (const part of (raw ?? '').split(',')) {
    const t = part.trim();
    if (!/^\d+$/.test(t)) continue;
    const id = Number(t);
    if (id > 0 && Number.isSafeInteger(id) && !ids.includes(id)) ids.push(id);
  }
  return ids;
}

/** The console's check of a compare query before it is sent; undefined when it is fine. */
export function compareSelectionError(ids: number[]): string | undefined {
  if (ids.length === 0) return '请至少选择一个推送';
  if (ids.length > MAX_COMPARE) return `最多同时对比 ${MAX_COMPARE} 个推送`;
  return undefined;
}

export const rangeRequired = (range: unknown): string | undefined =>
  Array.isArray(range) && range.length === 2 && range[0] && range[1] ? undefined : '请选择日期范围';

/** The funnel's fields in the order the result endpoint names them, with the console's titles. */
export const FIGURE_FIELDS: {
  key: keyof PushFigures;
  title: string;
  kind: 'count' | 'rate' | 'yuan';
}[] = [
  { key: 'pushCount', title: '推送人数', kind: 'count' },
  { key: 'failCount', title: '失败人数', kind: 'count' },
  { key: 'successCount', title: '成功人数', kind: 'count' },
  { key: 'successRate', title: '成功率', kind: 'rate' },
  { key: 'executedCount', title: '员工已执行', kind: 'count' },
  { key: 'deliveredCount', title: '已送达', kind: 'count' },
  { key: 'notFriendCount', title: '非好友', kind: 'count' },
  { key: 'overCapCount', title: '超过接收上限', kind: 'count' },
  { key: 'orderCount', title: '订单数', kind: 'count' },
  { key: 'buyerCount', title: '购买人数', kind: 'count' },
  { key: 'revenue', title: '营收（元）', kind: 'yuan' },
  { key: 'orderConversionRate', title: '订单转化率', kind: 'rate' },
  { key: 'userConversionRate', title: '用户转化率', kind: 'rate' },
];

export const figureText = (f: PushFigures, key: keyof PushFigures): string => {
  const v = f[key];
  if (typeof v === 'string') return yuanText(v);
  return FIGURE_FIELDS.find((x) => x.key === key)?.kind === 'rate' ? pct(v) : num(v);
};

export const GRANULARITIES: { value: ReportGranularity; label: string }[] = [
  { value: 'week', label: '周报' },
  { value: 'month', label: '月报' },
];
