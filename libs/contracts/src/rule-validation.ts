import { DATE_PATTERN, isCalendarDate, TIME_PATTERN } from './business-time';
import { isQuietTime, QuietHours, RULE_POLICY_LIMITS } from './contact-policy';
import { EXPERIMENT_LIMITS, isPercent, VariantInput } from './experiments';
import {
  EXCLUDE_LABEL_FIELDS,
  GOODS_LABEL_FIELDS,
  LABEL_MATCHES,
  LabelMatch,
  RFM_TIERS,
  VALUE_LIMITS,
  WINDOW_BASES,
  WindowBasis,
} from './audience';
import {
  DEADLINE_LIMITS,
  isDeadlineHours,
  isSenderFallback,
  isSenderMode,
  SenderFallback,
  SenderMode,
} from './sender';

/**
 * A push rule's validation, once, for the api and the console: push-config's DTO takes
 * its limits and patterns from here and its `checkRuleSemantics` runs `ruleSemanticProblems`;
 * the console's form runs `ruleProblems`. Problems carry the API's field path, a stable code the console words in
 * Chinese, and the API's English message.
 */

export const RULE_LIMITS = {
  nameMaxLength: 255,
  maxSlots: 200,
  maxDays: 3650,
  labelFieldMaxLength: 20000,
  /** WeCom's add_msg_template limits, in UTF-8 bytes. */
  textMaxBytes: 4000,
  miniProgramTitleMaxBytes: 64,
  urlMaxLength: 1024,
} as const;

export const RULE_STATUSES = [0, 1] as const;
const LABEL_FIELDS = [
  'cityLabels',
  'storeLabels',
  'brandLabels',
  'cateLabels',
  'skuLabels',
] as const;
const MEDIA_URL_FIELDS = ['img', 'miniProgramImg'] as const;
const URL_FIELDS = ['img', 'miniProgramImg', 'miniProgramUrl'] as const;

/** A rule body as the API reads it after the DTO's trimming (name and the three URLs). */
export interface RuleInput {
  name: string;
  status?: number;
  startDate: string;
  endDate: string;
  weekDayPushTime: readonly { week: number; time: string }[];
  cityLabels?: string;
  storeLabels?: string;
  brandLabels?: string;
  cateLabels?: string;
  skuLabels?: string;
  lastOrderDay: number;
  lastOrderDayLimit: number;
  content?: string;
  img?: string;
  miniProgramTitle?: string;
  miniProgramImg?: string;
  miniProgramUrl?: string;
  /** Contact policy (docs/AUDIENCE.md): not picked again by this rule within N days; 0 = off. */
  cooldownDays?: number;
  /** 1 selects first … 10 last, when slots of several rules fall in the same minute. */
  priority?: number;
  /** A service notice: not capped, does not count against the caps. */
  capExempt?: boolean;
  /** Experiments (docs/STATISTICS.md): percent of the rule's customers held out, 0–50. */
  holdoutPercent?: number;
  /** Up to 4 contents besides the rule's own (variant A), each with a weight. */
  variants?: readonly VariantInput[];
  /** The weight of the rule's own content (variant A) among the variants. */
  contentWeight?: number;
  /** A cap-exempt rule may reach the global control group (service notices). */
  ignoreGlobalControl?: boolean;
  /** Targeting (docs/AUDIENCE.md): which purchase the day window applies to. */
  windowBasis?: WindowBasis;
  /** OR across every label (any) or AND across label types on one order (all). */
  labelMatch?: LabelMatch;
  excludeCityLabels?: string;
  excludeStoreLabels?: string;
  excludeBrandLabels?: string;
  excludeCateLabels?: string;
  excludeSkuLabels?: string;
  /** Value tier: at least this many counted orders in the last valueLookbackDays. */
  minOrders?: number | null;
  /** Value tier: at least this many yuan (net of refunds) in the last valueLookbackDays. */
  minSpend?: number | null;
  valueLookbackDays?: number;
  /** RFM tiers (codes of RFM_TIERS), any of which the customer must be in; empty: no condition. */
  rfmTiers?: readonly string[];
  /** Issue 22: WeCom's choice of sender, or each customer's own store guide. */
  senderMode?: SenderMode;
  /** With `owner`: customers without an owner are skipped or sent as under `wecom`. */
  senderFallback?: SenderFallback;
  /** Members' time to send a task before it is cancelled (hours); null = none. */
  executionDeadlineHours?: number | null;
}

export type RuleProblemCode =
  | 'name-required'
  | 'name-too-long'
  | 'status-invalid'
  | 'date-format'
  | 'date-not-calendar'
  | 'end-before-start'
  | 'slots-empty'
  | 'slots-too-many'
  | 'slot-week'
  | 'slot-time'
  | 'slot-duplicate'
  | 'labels-too-long'
  | 'days-not-integer'
  | 'days-out-of-range'
  | 'day-window-inverted'
  | 'url-too-long'
  | 'mini-program-partial'
  | 'content-required'
  | 'content-too-long'
  | 'mini-program-title-too-long'
  | 'url-not-absolute'
  | 'url-scheme'
  | 'url-credentials'
  | 'url-refused'
  | 'cooldown-invalid'
  | 'priority-invalid'
  | 'cap-exempt-invalid'
  | 'slot-quiet-hours'
  | 'holdout-invalid'
  | 'variants-invalid'
  | 'variants-too-many'
  | 'weight-invalid'
  | 'ignore-global-control-invalid'
  | 'ignore-global-control-needs-exempt'
  | 'window-basis-invalid'
  | 'label-match-invalid'
  | 'goods-labels-required'
  | 'min-orders-invalid'
  | 'min-spend-invalid'
  | 'value-lookback-invalid'
  | 'rfm-tiers-invalid'
  | 'sender-mode-invalid'
  | 'sender-fallback-invalid'
  | 'deadline-invalid';

interface RuleProblem {
  /** Path into the request body, e.g. `weekDayPushTime[1].time`. */
  field: string;
  code: RuleProblemCode;
  /** The API's wording. */
  message: string;
}

interface RuleCheckOptions {
  /**
   * The server's further check of an image URL that passed the static ones (private
   * addresses, against its allow-list): the reason it is refused, or undefined.
   */
  refuseMediaUrl?: (url: string) => string | undefined;
  /** The contact policy's quiet hours: a slot inside them is refused. */
  quietHours?: QuietHours | null;
}

/** UTF-8 length, as WeCom counts text limits. */
export function utf8Bytes(s: string): number {
  let n = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return n;
}

/** Characters as class-validator's MaxLength counts them (a surrogate pair is one). */
function charLength(s: string): number {
  return s.length - (s.match(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g)?.length ?? 0);
}

const present = (s: string | undefined | null): s is string => typeof s === 'string' && s !== '';
const isWholeDays = (n: number) => Number.isInteger(n) && n >= 0 && n <= RULE_LIMITS.maxDays;

/** The static part of the API's image URL check: an absolute http(s) URL without credentials. */
function urlProblem(value: string): [RuleProblemCode, string] | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return ['url-not-absolute', 'must be an absolute http(s) URL'];
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return ['url-scheme', 'only http and https URLs are allowed'];
  if (url.username || url.password)
    return ['url-credentials', 'credentials in URLs are not allowed'];
  return undefined;
}

/**
 * The checks of each field on its own — what the DTO's decorators check on the api (whose
 * messages class-validator words; the API never returns these).
 */
function ruleFieldProblems(rule: RuleInput): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const add = (field: string, code: RuleProblemCode, message: string) =>
    problems.push({ field, code, message });

  const name = rule.name.trim();
  if (name === '') add('name', 'name-required', 'name is required');
  else if (charLength(name) > RULE_LIMITS.nameMaxLength)
    add('name', 'name-too-long', `name must be at most ${RULE_LIMITS.nameMaxLength} characters`);

  if (rule.status !== undefined && !(RULE_STATUSES as readonly number[]).includes(rule.status))
    add('status', 'status-invalid', 'status must be 0 or 1');

  for (const field of ['startDate', 'endDate'] as const) {
    if (!DATE_PATTERN.test(rule[field])) add(field, 'date-format', `${field} must be YYYY-MM-DD`);
  }

  const slots = rule.weekDayPushTime;
  if (slots.length === 0)
    add('weekDayPushTime', 'slots-empty', 'weekDayPushTime needs at least one slot');
  if (slots.length > RULE_LIMITS.maxSlots)
    add('weekDayPushTime', 'slots-too-many', `at most ${RULE_LIMITS.maxSlots} slots`);
  slots.forEach((slot, i) => {
    if (!Number.isInteger(slot.week) || slot.week < 1 || slot.week > 7)
      add(`weekDayPushTime[${i}].week`, 'slot-week', 'week must be 1..7');
    if (!TIME_PATTERN.test(slot.time))
      add(`weekDayPushTime[${i}].time`, 'slot-time', 'time must be HH:mm between 00:00 and 23:59');
  });

  for (const field of [...LABEL_FIELDS, ...EXCLUDE_LABEL_FIELDS]) {
    if (charLength(rule[field] ?? '') > RULE_LIMITS.labelFieldMaxLength)
      add(field, 'labels-too-long', `${field} is too long`);
  }

  for (const field of ['lastOrderDay', 'lastOrderDayLimit'] as const) {
    const v = rule[field];
    if (!Number.isInteger(v)) add(field, 'days-not-integer', `${field} must be an integer`);
    else if (!isWholeDays(v))
      add(field, 'days-out-of-range', `${field} must be 0..${RULE_LIMITS.maxDays}`);
  }

  for (const field of URL_FIELDS) {
    if (charLength((rule[field] ?? '').trim()) > RULE_LIMITS.urlMaxLength)
      add(field, 'url-too-long', `${field} must be at most ${RULE_LIMITS.urlMaxLength} characters`);
  }

  for (const [field, code] of [
    ['cooldownDays', 'cooldown-invalid'],
    ['priority', 'priority-invalid'],
  ] as const) {
    const v = rule[field];
    const { min, max } = RULE_POLICY_LIMITS[field];
    if (v !== undefined && !(Number.isInteger(v) && v >= min && v <= max))
      add(field, code, `${field} must be an integer ${min}..${max}`);
  }
  if (rule.capExempt !== undefined && typeof rule.capExempt !== 'boolean')
    add('capExempt', 'cap-exempt-invalid', 'capExempt must be a boolean');

  const holdout = EXPERIMENT_LIMITS.holdoutPercent;
  if (
    rule.holdoutPercent !== undefined &&
    !isPercent(rule.holdoutPercent, holdout.min, holdout.max)
  )
    add(
      'holdoutPercent',
      'holdout-invalid',
      `holdoutPercent must be a number ${holdout.min}..${holdout.max} with at most two decimals`,
    );
  const { weight, maxVariants } = EXPERIMENT_LIMITS;
  const isWeight = (v: unknown) =>
    typeof v === 'number' && Number.isInteger(v) && v >= weight.min && v <= weight.max;
  if (rule.contentWeight !== undefined && !isWeight(rule.contentWeight))
    add(
      'contentWeight',
      'weight-invalid',
      `contentWeight must be an integer ${weight.min}..${weight.max}`,
    );
  if (rule.variants !== undefined) {
    if (!Array.isArray(rule.variants))
      add('variants', 'variants-invalid', 'variants must be an array');
    else if (rule.variants.length > maxVariants)
      add('variants', 'variants-too-many', `at most ${maxVariants} variants`);
    else
      rule.variants.forEach((v, i) => {
        if (typeof v !== 'object' || v === null)
          add(`variants[${i}]`, 'variants-invalid', 'a variant must be an object');
        else {
          if (!isWeight(v.weight))
            add(
              `variants[${i}].weight`,
              'weight-invalid',
              `weight must be an integer ${weight.min}..${weight.max}`,
            );
          for (const field of URL_FIELDS)
            if (charLength((v[field] ?? '').trim()) > RULE_LIMITS.urlMaxLength)
              add(
                `variants[${i}].${field}`,
                'url-too-long',
                `${field} must be at most ${RULE_LIMITS.urlMaxLength} characters`,
              );
        }
      });
  }
  if (rule.ignoreGlobalControl !== undefined && typeof rule.ignoreGlobalControl !== 'boolean')
    add(
      'ignoreGlobalControl',
      'ignore-global-control-invalid',
      'ignoreGlobalControl must be a boolean',
    );
  audienceFieldProblems(rule, add);
  if (rule.senderMode !== undefined && !isSenderMode(rule.senderMode))
    add('senderMode', 'sender-mode-invalid', 'senderMode must be wecom or owner');
  if (rule.senderFallback !== undefined && !isSenderFallback(rule.senderFallback))
    add('senderFallback', 'sender-fallback-invalid', 'senderFallback must be skip or wecom');
  if (rule.executionDeadlineHours !== undefined && !isDeadlineHours(rule.executionDeadlineHours))
    add(
      'executionDeadlineHours',
      'deadline-invalid',
      `executionDeadlineHours must be null or an integer ${DEADLINE_LIMITS.min}..${DEADLINE_LIMITS.max}`,
    );
  return problems;
}

/** The targeting fields of issue 22, each on its own. */
function audienceFieldProblems(
  rule: RuleInput,
  add: (field: string, code: RuleProblemCode, message: string) => void,
): void {
  if (rule.windowBasis !== undefined && !WINDOW_BASES.includes(rule.windowBasis))
    add(
      'windowBasis',
      'window-basis-invalid',
      `windowBasis must be one of ${WINDOW_BASES.join(', ')}`,
    );
  if (rule.labelMatch !== undefined && !LABEL_MATCHES.includes(rule.labelMatch))
    add(
      'labelMatch',
      'label-match-invalid',
      `labelMatch must be one of ${LABEL_MATCHES.join(', ')}`,
    );
  const { minOrders, minSpend, valueLookbackDays } = VALUE_LIMITS;
  const v = rule.minOrders;
  if (
    v !== undefined &&
    v !== null &&
    !(Number.isInteger(v) && v >= minOrders.min && v <= minOrders.max)
  )
    add(
      'minOrders',
      'min-orders-invalid',
      `minOrders must be an integer ${minOrders.min}..${minOrders.max}`,
    );
  const spend = rule.minSpend;
  if (spend !== undefined && spend !== null && !isPercent(spend, minSpend.min, minSpend.max))
    add(
      'minSpend',
      'min-spend-invalid',
      `minSpend must be a number of yuan ${minSpend.min}..${minSpend.max} with at most two decimals`,
    );
  const lb = rule.valueLookbackDays;
  if (
    lb !== undefined &&
    !(Number.isInteger(lb) && lb >= valueLookbackDays.min && lb <= valueLookbackDays.max)
  )
    add(
      'valueLookbackDays',
      'value-lookback-invalid',
      `valueLookbackDays must be an integer ${valueLookbackDays.min}..${valueLookbackDays.max}`,
    );
  if (rule.rfmTiers !== undefined) {
    const tiers = rule.rfmTiers;
    if (
      !Array.isArray(tiers) ||
      tiers.some((t) => !(RFM_TIERS as readonly unknown[]).includes(t)) ||
      new Set(tiers).size !== tiers.length
    )
      add(
        'rfmTiers',
        'rfm-tiers-invalid',
        `rfmTiers must be distinct codes of ${RFM_TIERS.join(', ')}`,
      );
  }
}

/** A message's content: the rule's own (prefix '') or a variant's (`variants[i].`). */
interface ContentInput {
  content?: string;
  img?: string;
  miniProgramTitle?: string;
  miniProgramImg?: string;
  miniProgramUrl?: string;
}

/** The checks of one message's content (the rule's own, or a variant's under `prefix`). */
function contentProblems(
  c: ContentInput,
  prefix: string,
  options: RuleCheckOptions,
  add: (field: string, code: RuleProblemCode, message: string) => void,
): void {
  const mini = [
    ['miniProgramTitle', c.miniProgramTitle],
    ['miniProgramImg', c.miniProgramImg],
    ['miniProgramUrl', c.miniProgramUrl],
  ] as const;
  const miniCount = mini.filter(([, v]) => present(v)).length;
  if (miniCount > 0 && miniCount < 3) {
    for (const [field, v] of mini)
      if (!present(v))
        add(
          prefix + field,
          'mini-program-partial',
          'mini-program fields must be given all together or not at all',
        );
  }
  if (!present(c.content) && !present(c.img) && miniCount === 0)
    add(
      `${prefix}content`,
      'content-required',
      'at least one of content, img or a mini-program card is required',
    );
  if (present(c.content) && utf8Bytes(c.content) > RULE_LIMITS.textMaxBytes)
    add(
      `${prefix}content`,
      'content-too-long',
      `content must be at most ${RULE_LIMITS.textMaxBytes} bytes in UTF-8`,
    );
  if (
    present(c.miniProgramTitle) &&
    utf8Bytes(c.miniProgramTitle) > RULE_LIMITS.miniProgramTitleMaxBytes
  )
    add(
      `${prefix}miniProgramTitle`,
      'mini-program-title-too-long',
      `miniProgramTitle must be at most ${RULE_LIMITS.miniProgramTitleMaxBytes} bytes in UTF-8`,
    );
  for (const field of MEDIA_URL_FIELDS) {
    const value = (c[field] ?? '').trim();
    if (!present(value) || charLength(value) > RULE_LIMITS.urlMaxLength) continue;
    const problem = urlProblem(value);
    if (problem) add(prefix + field, problem[0], `${field} ${problem[1]}`);
    else {
      const refused = options.refuseMediaUrl?.(value);
      if (refused !== undefined) add(prefix + field, 'url-refused', `${field} ${refused}`);
    }
  }
}

/**
 * The checks that span fields or need more than a decorator, in the order the API reports
 * them. A check whose input a field check refuses is skipped, so a field gets one problem.
 */
export function ruleSemanticProblems(
  rule: RuleInput,
  options: RuleCheckOptions = {},
): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const add = (field: string, code: RuleProblemCode, message: string) =>
    problems.push({ field, code, message });

  const datesOk = (['startDate', 'endDate'] as const).map((field) => {
    const ok = isCalendarDate(rule[field]);
    if (!ok && DATE_PATTERN.test(rule[field]))
      add(field, 'date-not-calendar', `${field} is not a real calendar date`);
    return ok;
  });
  if (datesOk[0] && datesOk[1] && rule.startDate > rule.endDate)
    add('endDate', 'end-before-start', 'endDate must not be before startDate');

  const seen = new Map<string, number>();
  rule.weekDayPushTime.forEach((slot, i) => {
    const key = `${slot.week}@${slot.time}`;
    const first = seen.get(key);
    if (first !== undefined)
      add(
        `weekDayPushTime[${i}]`,
        'slot-duplicate',
        `duplicate slot: same as weekDayPushTime[${first}]`,
      );
    else seen.set(key, i);
    if (TIME_PATTERN.test(slot.time) && isQuietTime(slot.time, options.quietHours ?? null))
      add(
        `weekDayPushTime[${i}].time`,
        'slot-quiet-hours',
        `slot ${slot.time} falls inside the quiet hours ${options.quietHours?.start}–${options.quietHours?.end}`,
      );
  });

  if (
    isWholeDays(rule.lastOrderDay) &&
    isWholeDays(rule.lastOrderDayLimit) &&
    rule.lastOrderDay > rule.lastOrderDayLimit
  )
    add(
      'lastOrderDayLimit',
      'day-window-inverted',
      'lastOrderDayLimit must be greater than or equal to lastOrderDay',
    );

  if (
    rule.windowBasis === 'labelledGoods' &&
    !GOODS_LABEL_FIELDS.some((f) => (rule[f] ?? '').split(/[,，]/).some((x) => x.trim() !== ''))
  )
    add(
      'windowBasis',
      'goods-labels-required',
      'windowBasis labelledGoods needs at least one goods label (cateLabels, brandLabels or skuLabels)',
    );

  contentProblems(rule, '', options, add);
  if (Array.isArray(rule.variants) && rule.variants.length <= EXPERIMENT_LIMITS.maxVariants)
    rule.variants.forEach((v, i) => {
      if (typeof v === 'object' && v !== null) contentProblems(v, `variants[${i}].`, options, add);
    });
  if (rule.ignoreGlobalControl === true && rule.capExempt !== true)
    add(
      'ignoreGlobalControl',
      'ignore-global-control-needs-exempt',
      'only a cap-exempt rule (a service notice) may ignore the global control group',
    );
  return problems;
}

const FIELD_ORDER: readonly string[] = [
  'name',
  'status',
  'startDate',
  'endDate',
  'weekDayPushTime',
  ...LABEL_FIELDS,
  'lastOrderDay',
  'lastOrderDayLimit',
  'windowBasis',
  'labelMatch',
  ...EXCLUDE_LABEL_FIELDS,
  'minOrders',
  'minSpend',
  'valueLookbackDays',
  'rfmTiers',
  'content',
  'img',
  'miniProgramTitle',
  'miniProgramImg',
  'miniProgramUrl',
  'cooldownDays',
  'priority',
  'capExempt',
  'holdoutPercent',
  'contentWeight',
  'variants',
  'ignoreGlobalControl',
  'senderMode',
  'senderFallback',
  'executionDeadlineHours',
];
const fieldRank = (p: RuleProblem) => FIELD_ORDER.indexOf(p.field.replace(/[[.].*$/, ''));

/**
 * Every problem of `rule` in the body's field order; empty when the API would accept it
 * (bar name uniqueness and what `options` adds).
 */
export function ruleProblems(rule: RuleInput, options: RuleCheckOptions = {}): RuleProblem[] {
  return [...ruleFieldProblems(rule), ...ruleSemanticProblems(rule, options)].sort(
    (a, b) => fieldRank(a) - fieldRank(b),
  );
}

/**
 * Label fields are comma-separated lists; stored normalized: items trimmed, empty ones
 * and repeats dropped, full-width commas (，) accepted as separators.
 */
export function normalizeLabelList(value: string | undefined | null): string {
  if (!value) return '';
  const items = value
    .split(/[,，]/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return [...new Set(items)].join(',');
}

/** The items of a stored label list. */
export function splitLabelList(value: string | undefined | null): string[] {
  return normalizeLabelList(value).split(',').filter(Boolean);
}
