/**
 * The targeting vocabulary of a rule beyond its day window and labels (issue 22,
 * docs/AUDIENCE.md): shared by the api (DTO, validation, the audience engine) and the console
 * (form, the condition as a sentence).
 */

/** Which purchase the day window applies to. */
export const WINDOW_BASES = ['lastOrder', 'labelledGoods'] as const;
export type WindowBasis = (typeof WINDOW_BASES)[number];

/** How the label types combine: OR across every label, or AND across types on one order. */
export const LABEL_MATCHES = ['any', 'all'] as const;
export type LabelMatch = (typeof LABEL_MATCHES)[number];

export const GOODS_LABEL_FIELDS = ['brandLabels', 'cateLabels', 'skuLabels'] as const;

export const EXCLUDE_LABEL_FIELDS = [
  'excludeCityLabels',
  'excludeStoreLabels',
  'excludeBrandLabels',
  'excludeCateLabels',
  'excludeSkuLabels',
] as const;

export const VALUE_LIMITS = {
  minOrders: { min: 1, max: 10_000 },
  /** Yuan, two decimals. */
  minSpend: { min: 0.01, max: 99_999_999.99 },
  valueLookbackDays: { min: 1, max: 3650, default: 180 },
} as const;

/**
 * RFM tiers (the classic eight): recency, frequency and monetary each scored 1–5 by quintile
 * of the customers with a counted order in the last RFM_LOOKBACK_DAYS; a score of 4 or 5 is
 * "high" (the top two quintiles). `r`, `f`, `m`: whether the tier needs that score high.
 */
export const RFM_TIER_DEFS = [
  { code: 'important_value', name: '重要价值', r: true, f: true, m: true },
  { code: 'important_develop', name: '重要发展', r: true, f: false, m: true },
  { code: 'important_keep', name: '重要保持', r: false, f: true, m: true },
  { code: 'important_retain', name: '重要挽留', r: false, f: false, m: true },
  { code: 'general_value', name: '一般价值', r: true, f: true, m: false },
  { code: 'general_develop', name: '一般发展', r: true, f: false, m: false },
  { code: 'general_keep', name: '一般保持', r: false, f: true, m: false },
  { code: 'general_retain', name: '一般挽留', r: false, f: false, m: false },
] as const;
type RfmTier = (typeof RFM_TIER_DEFS)[number]['code'];
export const RFM_TIERS: readonly RfmTier[] = RFM_TIER_DEFS.map((t) => t.code);
/** A score from this up is "high". */
export const RFM_HIGH_SCORE = 4;
export const RFM_LOOKBACK_DAYS = 365;

/** The tier of three 1–5 scores. */
export function rfmTierOf(r: number, f: number, m: number): RfmTier {
  const hi = (s: number) => s >= RFM_HIGH_SCORE;
  const tier = RFM_TIER_DEFS.find((t) => t.r === hi(r) && t.f === hi(f) && t.m === hi(m));
  return (tier ?? RFM_TIER_DEFS[RFM_TIER_DEFS.length - 1]).code;
}

/** The audience fields of a rule as the sentence reads them (label fields comma-separated). */
interface AudienceShape {
  lastOrderDay: number;
  lastOrderDayLimit: number;
  windowBasis?: WindowBasis | null;
  labelMatch?: LabelMatch | null;
  cityLabels?: string | null;
  storeLabels?: string | null;
  brandLabels?: string | null;
  cateLabels?: string | null;
  skuLabels?: string | null;
  excludeCityLabels?: string | null;
  excludeStoreLabels?: string | null;
  excludeBrandLabels?: string | null;
  excludeCateLabels?: string | null;
  excludeSkuLabels?: string | null;
  minOrders?: number | null;
  minSpend?: number | null;
  valueLookbackDays?: number | null;
  rfmTiers?: readonly string[] | null;
}

/** Display names of label values (warehouse / category bind_ids → names); unknown ones show as given. */
interface LabelNames {
  store?: (bindId: string) => string | undefined;
  cate?: (bindId: string) => string | undefined;
}

const items = (v: string | null | undefined) =>
  (v ?? '')
    .split(/[,，]/)
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * The rule's condition as one zh-CN sentence, e.g. 「最近一次购买猫砂在 45–30 天前，且在上海下单，
 * 排除购买过皇家的客户」 — what the console shows under the form.
 */
export function describeAudience(rule: AudienceShape, names: LabelNames = {}): string {
  const all = rule.labelMatch === 'all';
  const join = (xs: string[], word: string) => xs.join(word);
  const named = (xs: string[], f?: (s: string) => string | undefined) => xs.map((x) => f?.(x) ?? x);
  const goods = [
    ...named(items(rule.cateLabels), names.cate),
    ...items(rule.brandLabels),
    ...items(rule.skuLabels),
  ];
  const goodsTypes = [
    named(items(rule.cateLabels), names.cate),
    items(rule.brandLabels),
    items(rule.skuLabels),
  ].filter((xs) => xs.length);
  const places = [...items(rule.cityLabels), ...named(items(rule.storeLabels), names.store)];
  const placeTypes = [items(rule.cityLabels), named(items(rule.storeLabels), names.store)].filter(
    (xs) => xs.length,
  );
  const goodsText = all ? goodsTypes.map((xs) => join(xs, '或')).join('且') : join(goods, '或');
  const placeText = all ? placeTypes.map((xs) => join(xs, '或')).join('且') : join(places, '或');
  const days =
    rule.lastOrderDay === rule.lastOrderDayLimit
      ? `${rule.lastOrderDay} 天前`
      : `${rule.lastOrderDayLimit}–${rule.lastOrderDay} 天前`;
  const parts: string[] = [];
  if (rule.windowBasis === 'labelledGoods') {
    parts.push(`最近一次购买${goodsText || '（未选商品标签）'}在 ${days}`);
    if (placeText) parts.push(`且在${placeText}下单`);
  } else {
    parts.push(`最近一次下单在 ${days}`);
    if (all) {
      const conds = [
        goodsText ? `购买了${goodsText}` : '',
        placeText ? `在${placeText}下单` : '',
      ].filter(Boolean);
      if (conds.length) parts.push(`且窗口内有一笔订单同时${conds.join('、')}`);
    } else if (goods.length || places.length) {
      const any = [
        goods.length ? `购买过${join(goods, '或')}` : '',
        places.length ? `在${join(places, '或')}下单` : '',
      ].filter(Boolean);
      parts.push(`且窗口内${any.join('或')}`);
    }
  }
  const excludedGoods = [
    ...named(items(rule.excludeCateLabels), names.cate),
    ...items(rule.excludeBrandLabels),
    ...items(rule.excludeSkuLabels),
  ];
  const excludedPlaces = [
    ...items(rule.excludeCityLabels),
    ...named(items(rule.excludeStoreLabels), names.store),
  ];
  const excluded = [
    excludedGoods.length ? `购买过${join(excludedGoods, '或')}` : '',
    excludedPlaces.length ? `在${join(excludedPlaces, '或')}下过单` : '',
  ].filter(Boolean);
  if (excluded.length) parts.push(`排除窗口内${excluded.join('或')}的客户`);
  const value: string[] = [];
  const lookback = rule.valueLookbackDays ?? VALUE_LIMITS.valueLookbackDays.default;
  if (rule.minOrders) value.push(`至少 ${rule.minOrders} 单`);
  if (rule.minSpend) value.push(`消费至少 ¥${rule.minSpend}`);
  if (value.length) parts.push(`近 ${lookback} 天${value.join('且')}`);
  if (rule.rfmTiers?.length) {
    const tierNames = rule.rfmTiers.map((c) => RFM_TIER_DEFS.find((t) => t.code === c)?.name ?? c);
    parts.push(`属于${tierNames.join('或')}客户`);
  }
  return parts.join('，');
}
