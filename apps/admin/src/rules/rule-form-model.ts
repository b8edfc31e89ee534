import dayjs, { type Dayjs } from 'dayjs';
import {
  EXPERIMENT_LIMITS,
  type LabelMatch,
  RULE_POLICY_LIMITS,
  SENDER_DEFAULTS,
  type SenderFallback,
  type SenderMode,
  splitLabelList,
  VALUE_LIMITS,
  type VariantInput,
  type WindowBasis,
} from '@app/contracts';
import type { FieldError, PushRuleBody, PushRuleView, Slot } from '../api/types';

/** The form's own shape: label lists as arrays, the date range as one picker value. */
export interface RuleFormValues {
  name: string;
  status: PushRuleBody['status'];
  dateRange?: [Dayjs, Dayjs];
  weekDayPushTime: Slot[];
  cityLabels: string[];
  storeLabels: string[];
  brandLabels: string[];
  cateLabels: string[];
  skuLabels: string[];
  lastOrderDay: number | null;
  lastOrderDayLimit: number | null;
  content: string;
  img: string;
  miniProgramTitle: string;
  miniProgramImg: string;
  miniProgramUrl: string;
  cooldownDays: number | null;
  priority: number | null;
  capExempt: boolean;
  holdoutPercent: number | null;
  ignoreGlobalControl: boolean;
  /** Content variants B, C, … (the rule's own content is A). */
  variants: VariantInput[];
  contentWeight: number | null;
  /** Targeting (docs/AUDIENCE.md). */
  windowBasis: WindowBasis;
  labelMatch: LabelMatch;
  excludeCityLabels: string[];
  excludeStoreLabels: string[];
  excludeBrandLabels: string[];
  excludeCateLabels: string[];
  excludeSkuLabels: string[];
  minOrders: number | null;
  minSpend: number | null;
  valueLookbackDays: number | null;
  rfmTiers: string[];
  /** Issue 22: who sends, customers without a store guide, the execution deadline (hours). */
  senderMode: SenderMode;
  senderFallback: SenderFallback;
  executionDeadlineHours: number | null;
}

export type RuleFormField = keyof RuleFormValues;

export const EMPTY_RULE_FORM: RuleFormValues = {
  name: '',
  status: 0,
  dateRange: undefined,
  weekDayPushTime: [],
  cityLabels: [],
  storeLabels: [],
  brandLabels: [],
  cateLabels: [],
  skuLabels: [],
  lastOrderDay: 30,
  lastOrderDayLimit: 45,
  content: '',
  img: '',
  miniProgramTitle: '',
  miniProgramImg: '',
  miniProgramUrl: '',
  cooldownDays: RULE_POLICY_LIMITS.cooldownDays.default,
  priority: RULE_POLICY_LIMITS.priority.default,
  capExempt: false,
  holdoutPercent: EXPERIMENT_LIMITS.holdoutPercent.default,
  ignoreGlobalControl: false,
  variants: [],
  contentWeight: EXPERIMENT_LIMITS.weight.default,
  windowBasis: 'lastOrder',
  labelMatch: 'any',
  excludeCityLabels: [],
  excludeStoreLabels: [],
  excludeBrandLabels: [],
  excludeCateLabels: [],
  excludeSkuLabels: [],
  minOrders: null,
  minSpend: null,
  valueLookbackDays: VALUE_LIMITS.valueLookbackDays.default,
  rfmTiers: [],
  ...SENDER_DEFAULTS,
};

/** The API's comma-separated label lists (`，` accepted), split as the API stores them. */
export const splitLabels = splitLabelList;

const joinLabels = (items: readonly string[] | undefined) =>
  [...new Set((items ?? []).flatMap((x) => splitLabels(x)))].join(',');

const DATE = 'YYYY-MM-DD';

export function toRuleBody(v: Partial<RuleFormValues>): PushRuleBody {
  const text = (s: string | undefined) => s ?? '';
  const trimmed = (s: string | undefined) => (s ?? '').trim();
  return {
    name: trimmed(v.name),
    status: v.status ?? 0,
    startDate: v.dateRange?.[0]?.format(DATE) ?? '',
    endDate: v.dateRange?.[1]?.format(DATE) ?? '',
    weekDayPushTime: v.weekDayPushTime ?? [],
    cityLabels: joinLabels(v.cityLabels),
    storeLabels: joinLabels(v.storeLabels),
    brandLabels: joinLabels(v.brandLabels),
    cateLabels: joinLabels(v.cateLabels),
    skuLabels: joinLabels(v.skuLabels),
    lastOrderDay: v.lastOrderDay ?? Number.NaN,
    lastOrderDayLimit: v.lastOrderDayLimit ?? Number.NaN,
    content: text(v.content),
    img: trimmed(v.img),
    miniProgramTitle: text(v.miniProgramTitle),
    miniProgramImg: trimmed(v.miniProgramImg),
    miniProgramUrl: trimmed(v.miniProgramUrl),
    // An emptied number box is sent as NaN so the shared checks name the field.
    cooldownDays: v.cooldownDays ?? Number.NaN,
    priority: v.priority ?? Number.NaN,
    capExempt: v.capExempt ?? false,
    holdoutPercent: v.holdoutPercent ?? Number.NaN,
    // Only a service notice may reach the global control group.
    ignoreGlobalControl: (v.capExempt ?? false) && (v.ignoreGlobalControl ?? false),
    variants: (v.variants ?? []).map((x) => ({
      content: text(x.content),
      img: trimmed(x.img),
      miniProgramTitle: text(x.miniProgramTitle),
      miniProgramImg: trimmed(x.miniProgramImg),
      miniProgramUrl: trimmed(x.miniProgramUrl),
      weight: x.weight ?? Number.NaN,
    })),
    // A's weight only matters beside other variants (its box shows only then).
    contentWeight:
      v.contentWeight ?? (v.variants?.length ? Number.NaN : EXPERIMENT_LIMITS.weight.default),
    windowBasis: v.windowBasis ?? 'lastOrder',
    labelMatch: v.labelMatch ?? 'any',
    excludeCityLabels: joinLabels(v.excludeCityLabels),
    excludeStoreLabels: joinLabels(v.excludeStoreLabels),
    excludeBrandLabels: joinLabels(v.excludeBrandLabels),
    excludeCateLabels: joinLabels(v.excludeCateLabels),
    excludeSkuLabels: joinLabels(v.excludeSkuLabels),
    // An empty box: no condition.
    minOrders: v.minOrders ?? null,
    minSpend: v.minSpend ?? null,
    valueLookbackDays: v.valueLookbackDays ?? Number.NaN,
    rfmTiers: (v.rfmTiers ?? []) as PushRuleBody['rfmTiers'],
    senderMode: v.senderMode ?? SENDER_DEFAULTS.senderMode,
    senderFallback: v.senderFallback ?? SENDER_DEFAULTS.senderFallback,
    // An emptied box is no deadline.
    executionDeadlineHours: v.executionDeadlineHours ?? null,
  };
}

export function fromRuleView(r: PushRuleView): RuleFormValues {
  return {
    name: r.name,
    status: r.status,
    dateRange: [dayjs(r.startDate), dayjs(r.endDate)],
    weekDayPushTime: r.weekDayPushTime.map(({ week, time }) => ({ week, time })),
    cityLabels: splitLabels(r.cityLabels),
    storeLabels: splitLabels(r.storeLabels),
    brandLabels: splitLabels(r.brandLabels),
    cateLabels: splitLabels(r.cateLabels),
    skuLabels: splitLabels(r.skuLabels),
    lastOrderDay: r.lastOrderDay,
    lastOrderDayLimit: r.lastOrderDayLimit,
    content: r.content,
    img: r.img,
    miniProgramTitle: r.miniProgramTitle,
    miniProgramImg: r.miniProgramImg,
    miniProgramUrl: r.miniProgramUrl,
    cooldownDays: r.cooldownDays,
    priority: r.priority,
    capExempt: r.capExempt,
    holdoutPercent: r.holdoutPercent,
    ignoreGlobalControl: r.ignoreGlobalControl,
    variants: r.variants.map((x) => ({ ...x })),
    contentWeight: r.contentWeight,
    windowBasis: r.windowBasis,
    labelMatch: r.labelMatch,
    excludeCityLabels: splitLabels(r.excludeCityLabels),
    excludeStoreLabels: splitLabels(r.excludeStoreLabels),
    excludeBrandLabels: splitLabels(r.excludeBrandLabels),
    excludeCateLabels: splitLabels(r.excludeCateLabels),
    excludeSkuLabels: splitLabels(r.excludeSkuLabels),
    minOrders: r.minOrders,
    minSpend: r.minSpend,
    valueLookbackDays: r.valueLookbackDays,
    rfmTiers: r.rfmTiers,
    senderMode: r.senderMode,
    senderFallback: r.senderFallback,
    executionDeadlineHours: r.executionDeadlineHours,
  };
}

/** Which form field shows an error the API (or the client check) reports for `apiField`. */
export function formFieldOf(apiField: string): RuleFormField | undefined {
  const root = apiField.split(/[.[]/)[0];
  if (root === 'startDate' || root === 'endDate') return 'dateRange';
  const fields: readonly RuleFormField[] = [
    'name',
    'status',
    'weekDayPushTime',
    'cityLabels',
    'storeLabels',
    'brandLabels',
    'cateLabels',
    'skuLabels',
    'lastOrderDay',
    'lastOrderDayLimit',
    'content',
    'img',
    'miniProgramTitle',
    'miniProgramImg',
    'miniProgramUrl',
    'cooldownDays',
    'priority',
    'capExempt',
    'holdoutPercent',
    'ignoreGlobalControl',
    'variants',
    'contentWeight',
    'windowBasis',
    'labelMatch',
    'excludeCityLabels',
    'excludeStoreLabels',
    'excludeBrandLabels',
    'excludeCateLabels',
    'excludeSkuLabels',
    'minOrders',
    'minSpend',
    'valueLookbackDays',
    'rfmTiers',
    'senderMode',
    'senderFallback',
    'executionDeadlineHours',
  ];
  return fields.find((f) => f === root);
}

/** A form control's name: a field, or a variant's control (`['variants', 0, 'weight']`). */
export type RuleFormName = RuleFormField | ['variants', number, keyof VariantInput];

const VARIANT_FIELD =
  /^variants\[(\d+)\]\.(content|img|miniProgramTitle|miniProgramImg|miniProgramUrl|weight)$/;

/** The control that shows an error the API (or the client check) reports for `apiField`. */
export function formNameOf(apiField: string): RuleFormName | undefined {
  const m = VARIANT_FIELD.exec(apiField);
  if (m) return ['variants', Number(m[1]), m[2] as keyof VariantInput];
  return formFieldOf(apiField);
}

/** One key per control name, for sets and maps. */
export const nameKey = (name: RuleFormName | (string | number)[]) =>
  Array.isArray(name) ? name.join('.') : name;

const API_MESSAGES: readonly [RegExp, string][] = [
  [/private, loopback or link-local/, '地址不能指向内网、回环或链路本地地址'],
  [/only http and https/, '只允许 http 或 https 地址'],
  [/absolute http\(s\) URL/, '必须是完整的 http(s) 地址'],
  [/credentials in URLs/, '地址中不能包含用户名或密码'],
  [/duplicate slot/, '推送时间重复'],
  [/is not a real calendar date|must be YYYY-MM-DD/, '不是有效的日期'],
  [/endDate must not be before startDate/, '结束日期不能早于开始日期'],
  [/lastOrderDayLimit must be greater/, '“至多”天数不能小于“至少”天数'],
  [/mini-program fields must be given all together/, '小程序卡片的标题、封面和页面需一起填写'],
  [/at least one of content, img/, '文本、图片、小程序卡片至少填写一项'],
  [/at most \d+ bytes/, '内容超过企业微信的长度限制'],
  [/name is required/, '请填写推送名称'],
  [/falls inside the quiet hours/, '该推送时间处于免打扰时段'],
  [/only the operators in POLICY_OPERATOR_IDS/, '仅可修改触达策略的操作员可设置服务通知'],
  [/holdoutPercent must/, '对照组比例必须是 0 到 50 之间、至多两位小数的百分比'],
  [/needs at least one goods label/, '按商品计算窗口时，须至少选择一个品类、品牌或 SKU 标签'],
  [/may ignore the global control group/, '只有服务通知（不受频次上限约束）才能发给全局对照组'],
  [
    /weight must/,
    `权重必须是 ${EXPERIMENT_LIMITS.weight.min} 到 ${EXPERIMENT_LIMITS.weight.max} 之间的整数`,
  ],
  [
    /at most \d+ variants|variants must contain no more/,
    `除规则内容（A）外至多 ${EXPERIMENT_LIMITS.maxVariants} 个内容变体`,
  ],
];

/** The API's field messages are English; operators read Chinese where we know the meaning. */
export function localizeApiMessage(message: string): string {
  return API_MESSAGES.find(([re]) => re.test(message))?.[1] ?? message;
}

/**
 * Groups errors by form control (first message of each control wins, as a form shows one);
 * errors no control can show are returned apart, for a banner.
 */
export function errorsByFormField(errors: readonly FieldError[]): {
  fields: { name: RuleFormName; errors: string[] }[];
  other: FieldError[];
} {
  const byName = new Map<string, { name: RuleFormName; errors: string[] }>();
  const other: FieldError[] = [];
  for (const e of errors) {
    const name = formNameOf(e.field);
    if (!name) {
      other.push(e);
      continue;
    }
    const entry = byName.get(nameKey(name)) ?? { name, errors: [] };
    if (!entry.errors.includes(e.message)) entry.errors.push(e.message);
    byName.set(nameKey(name), entry);
  }
  return { fields: [...byName.values()], other };
}
