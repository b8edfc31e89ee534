import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import {
  APP_CONFIG,
  AppConfig,
  AppException,
  Clock,
  describeAuditChange,
  ErrorCode,
  ErrorDetail,
  formatDateTime,
  parseListBound,
} from '@app/common';
import { LabelType, WechatLabel } from '@app/database';
import { ContactPolicyService } from '@app/contact-policy';
import {
  EditPushRuleDto,
  PromoteVariantDto,
  EditStatusDto,
  LabelLibrary,
  ListPushRulesDto,
  MAX_PAGE_SIZE,
  PushRuleDto,
  PushRuleListPage,
  PushRuleView,
} from './dto/push-rule.dto';
import { PushStatus, WechatPush } from './entities/wechat-push.entity';
import {
  EXPERIMENT_LIMITS,
  RFM_TIERS,
  normalizeLabelList,
  RULE_POLICY_LIMITS,
  SENDER_DEFAULTS,
  VariantInput,
} from '@app/contracts';
import { checkRuleSemantics } from './push-rule.rules';
import { PushRuleRepository, RuleWithSlotsRow } from './push-rule.repository';
import { RuleReadCache } from './rule-read-cache';
import {
  AUDIENCE_DEFAULTS,
  AudienceBodyFields,
  needsApproval,
  RuleBody,
  RuleVersionRepository,
  withAudienceDefaults,
} from './rule-version.repository';

const isDuplicateKey = (e: unknown) =>
  (e as { code?: string; driverError?: { code?: string } })?.code === 'ER_DUP_ENTRY' ||
  (e as { driverError?: { code?: string } })?.driverError?.code === 'ER_DUP_ENTRY';

const nameTaken = () =>
  new AppException(ErrorCode.NAME_TAKEN, '推送名称已存在', [
    { field: 'name', message: 'a rule with this name already exists' },
  ]);

/** Told after a rule's schedule may have changed (the pipeline schedules its slots). */
export interface PushRuleChangeListener {
  onRuleChanged(pushId: number): Promise<void>;
}

@Injectable()
export class PushRuleService {
  private listeners: PushRuleChangeListener[] = [];

  constructor(
    private readonly rules: PushRuleRepository,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly cache: RuleReadCache,
    private readonly policy: ContactPolicyService,
    private readonly versions: RuleVersionRepository,
  ) {}

  /** Lets the pipeline hear about rule changes without this lib depending on it. */
  addChangeListener(listener: PushRuleChangeListener): void {
    this.listeners.push(listener);
  }

  /**
   * Throws VALIDATION_FAILED with every cross-field problem of a rule body, slots inside the
   * contact policy's quiet hours included.
   */
  async validate(rule: PushRuleDto): Promise<void> {
    const { quietHours } = await this.policy.current();
    const problems = checkRuleSemantics(rule, this.config.MEDIA_ALLOWED_HOSTS, quietHours);
    if (problems.length > 0) throw AppException.validation(problems);
  }

  /** A rule may be made (or stop being) cap-exempt only by who may change the policy. */
  private assertMayExempt(operatorId: number, requested: boolean | undefined, stored: boolean) {
    if (requested !== undefined && requested !== stored)
      this.policy.assertMayChangePolicy(operatorId, 'capExempt');
  }

  /** RULE_APPROVAL=off: every version is approved at once by its author. */
  private get approvalOff(): boolean {
    return this.config.RULE_APPROVAL === 'off';
  }

  /**
   * A new rule: its row is inserted (listed, with its id) together with version 1. With
   * approval required the version waits (`pending_approval`): the row has no approved version
   * and no slots, so nothing fires until an approver approves it.
   */
  async create(rule: PushRuleDto, operatorId: number): Promise<number> {
    await this.validate(rule);
    this.assertMayExempt(operatorId, rule.capExempt, false);
    const body = toBody(rule, null);
    const approved = this.approvalOff;
    const now = this.clock.now();
    let id: number;
    try {
      id = await this.rules.transaction(async (em) => {
        const newId = await this.rules.insertRule(em, {
          ...columnsOf(body),
          status: body.status as PushStatus,
          approvedVersion: approved ? 1 : null,
          isDeleted: 0,
          createdBy: operatorId,
          updatedBy: operatorId,
          createdAt: now,
          updatedAt: now,
        });
        if (approved)
          await this.rules.insertSlots(
            em,
            { id: newId, name: body.name },
            body.weekDayPushTime,
            operatorId,
            now,
          );
        await this.versions.insert(em, {
          pushId: newId,
          version: 1,
          state: approved ? 'approved' : 'pending_approval',
          body,
          authorId: operatorId,
          at: now,
          ...(approved ? { comment: APPROVAL_OFF_COMMENT } : {}),
        });
        return newId;
      });
    } catch (e) {
      if (isDuplicateKey(e)) throw nameTaken();
      throw e;
    }
    await this.notify(id);
    return id;
  }

  /**
   * An edit records a new version. One that changes the audience, content or schedule (as
   * against the approved version) waits for approval — the live rows keep the approved
   * version, which keeps firing — and supersedes a still-pending older one; any other edit is
   * applied at once and recorded as approved by its author. A status change takes effect at
   * once either way (pause / resume is never held back). An edit identical to the latest
   * version records nothing.
   */
  async edit(rule: EditPushRuleDto, operatorId: number): Promise<void> {
    await this.validate(rule);
    const stored = await this.rules.findActive(rule.id);
    if (!stored) throw AppException.notFound('推送规则');
    this.assertMayExempt(operatorId, rule.capExempt, stored.capExempt);
    const live = await this.rules.findWithSlots(rule.id);
    if (!live) throw AppException.notFound('推送规则');
    const latest = await this.versions.latest(rule.id);
    const liveBody = stored.approvedVersion === null ? null : bodyOf(toView(live));
    const shown =
      latest && latest.state === 'pending_approval' ? latest.body : (liveBody ?? latest?.body);
    const body = toBody(rule, shown ?? null);
    // A kept labelledGoods basis still needs a goods label among the labels sent now.
    if (rule.windowBasis === undefined && body.windowBasis !== 'lastOrder')
      await this.validate({ ...rule, windowBasis: body.windowBasis });
    if (shown && JSON.stringify(shown) === JSON.stringify(body)) return;
    const direct = this.approvalOff || !needsApproval(liveBody, body);
    const now = this.clock.now();
    try {
      await this.rules.transaction(async (em) => {
        const version = await this.versions.lockNextNumber(em, rule.id);
        await this.versions.supersedePending(em, rule.id, operatorId, now);
        if (direct) {
          await this.applyVersion(em, rule.id, body, version, operatorId, now, true);
        } else {
          await this.assertNameFree(em, rule.id, body.name);
          if (body.status !== Number(stored.status)) {
            await this.rules.updateRule(em, rule.id, {
              status: body.status as PushStatus,
              updatedBy: operatorId,
              updatedAt: now,
            });
          }
        }
        await this.versions.insert(em, {
          pushId: rule.id,
          version,
          state: direct ? 'approved' : 'pending_approval',
          body,
          authorId: operatorId,
          at: now,
          ...(direct
            ? { comment: this.approvalOff ? APPROVAL_OFF_COMMENT : NO_APPROVAL_NEEDED }
            : {}),
        });
      });
    } catch (e) {
      if (isDuplicateKey(e)) throw nameTaken();
      throw e;
    }
    await this.notify(rule.id);
  }

  /**
   * Makes `body` the live rule (columns and slots) as `version`, inside the caller's
   * transaction: what approving a version does. The live status is kept unless `withStatus`
   * (pause / resume take effect on their own, never by approving an older edit). Throws
   * NOT_FOUND for a deleted rule and NAME_TAKEN when another rule has taken the name.
   */
  async applyVersion(
    em: EntityManager,
    pushId: number,
    body: RuleBody,
    version: number,
    operatorId: number,
    now: Date,
    withStatus = false,
  ): Promise<void> {
    try {
      const updated = await this.rules.updateRule(em, pushId, {
        ...columnsOf(body),
        ...(withStatus ? { status: body.status as PushStatus } : {}),
        approvedVersion: version,
        updatedBy: operatorId,
        updatedAt: now,
      });
      if (!updated) throw AppException.notFound('推送规则');
      await this.rules.replaceSlots(
        em,
        { id: pushId, name: body.name },
        body.weekDayPushTime,
        operatorId,
        now,
      );
    } catch (e) {
      if (isDuplicateKey(e)) throw nameTaken();
      throw e;
    }
  }

  /** A pending version's new name must not be another live rule's (checked again on approval). */
  private async assertNameFree(em: EntityManager, id: number, name: string): Promise<void> {
    const taken = await em.query(
      'SELECT id FROM wechat_push WHERE name = ? AND id <> ? AND is_deleted = 0 LIMIT 1',
      [name, id],
    );
    if (taken.length) throw nameTaken();
  }

  async editStatus(body: EditStatusDto, operatorId: number): Promise<void> {
    const updated = await this.rules.transaction(async (em) => {
      const [was]: { status: number }[] = await em.query(
        'SELECT status FROM wechat_push WHERE id = ? AND is_deleted = 0 FOR UPDATE',
        [body.id],
      );
      // Not found: thrown inside, so the transaction (and the request's audit row) rolls back.
      if (!was) throw AppException.notFound('推送规则');
      describeAuditChange({ before: was, after: { status: body.status } });
      return this.rules.updateRule(em, body.id, {
        status: body.status as PushStatus,
        updatedBy: operatorId,
        updatedAt: this.clock.now(),
      });
    });
    if (!updated) throw AppException.notFound('推送规则');
    await this.notify(body.id);
  }

  async delete(id: number, operatorId: number): Promise<void> {
    const updated = await this.rules.transaction(async (em) => {
      const [was]: { status: number }[] = await em.query(
        'SELECT status, is_deleted AS isDeleted FROM wechat_push WHERE id = ? AND is_deleted = 0 FOR UPDATE',
        [id],
      );
      if (!was) throw AppException.notFound('推送规则');
      describeAuditChange({ before: was, after: { isDeleted: 1 } });
      return this.rules.updateRule(em, id, {
        isDeleted: 1,
        updatedBy: operatorId,
        updatedAt: this.clock.now(),
      });
    });
    if (!updated) throw AppException.notFound('推送规则');
    await this.notify(id);
  }

  /**
   * An operator promotes the winning variant (issue 17): its message becomes the rule's
   * content ('A' keeps the rule's own), the variants are retired, and the change is recorded
   * with who made it, before and after. Never automatic.
   */
  async promoteVariant(body: PromoteVariantDto, operatorId: number): Promise<PushRuleView> {
    const live = await this.rules.findWithSlots(body.id);
    if (!live) throw AppException.notFound('推送规则');
    const before = toView(live);
    const index = body.variant.charCodeAt(0) - 66; // B → 0
    if (index >= before.variants.length)
      throw AppException.validation([
        { field: 'variant', message: `rule ${body.id} has no variant ${body.variant}` },
      ]);
    const chosen = index < 0 ? before : before.variants[index];
    const message = {
      content: chosen.content ?? '',
      img: chosen.img ?? '',
      miniProgramTitle: chosen.miniProgramTitle ?? '',
      miniProgramImg: chosen.miniProgramImg ?? '',
      miniProgramUrl: chosen.miniProgramUrl ?? '',
    };
    const now = this.clock.now();
    const updated = await this.rules.transaction(async (em) => {
      const ok = await this.rules.updateRule(em, body.id, {
        content: message.content || null,
        img: message.img || null,
        miniProgramTitle: message.miniProgramTitle || null,
        miniProgramImg: message.miniProgramImg || null,
        miniProgramUrl: message.miniProgramUrl || null,
        variants: [],
        contentWeight: EXPERIMENT_LIMITS.weight.default,
        updatedBy: operatorId,
        updatedAt: now,
      });
      if (!ok) throw AppException.notFound('推送规则');
      const shape = (v: PushRuleView) => ({
        content: v.content,
        img: v.img,
        miniProgramTitle: v.miniProgramTitle,
        miniProgramImg: v.miniProgramImg,
        miniProgramUrl: v.miniProgramUrl,
        variants: v.variants,
        contentWeight: v.contentWeight,
      });
      await em.query(
        `INSERT INTO wechat_push_variant_promotions
           (push_id, variant, before_json, after_json, promoted_by, promoted_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
        [
          body.id,
          body.variant,
          JSON.stringify(shape(before)),
          JSON.stringify({ ...message, variants: [], contentWeight: 1 }),
          operatorId,
          now,
        ],
      );
      // The promotion is a version of its own, approved by who promoted (an approver); an
      // edit still pending was made on the old variants and is superseded.
      const version = await this.versions.lockNextNumber(em, body.id);
      await this.versions.supersedePending(em, body.id, operatorId, now);
      const after = await this.rules.findWithSlots(body.id, em);
      if (after) {
        await this.versions.insert(em, {
          pushId: body.id,
          version,
          state: 'approved',
          body: bodyOf(toView(after)),
          authorId: operatorId,
          at: now,
          comment: `variant ${body.variant} promoted`,
        });
        await this.rules.updateRule(em, body.id, { approvedVersion: version });
      }
      describeAuditChange({
        before: shape(before),
        after: { ...message, variants: [], contentWeight: 1 },
      });
      return true;
    });
    if (!updated) throw AppException.notFound('推送规则');
    await this.notify(body.id);
    return this.info(body.id);
  }

  /**
   * The rule in request shape, or NOT_FOUND (deleted rules are not found). With a version
   * pending approval it shows that version's body (what an editor continues editing) with the
   * live status; otherwise the live, approved rule. `version`, `approvedVersion` and
   * `pendingVersion` say which is which.
   */
  async info(id: number): Promise<PushRuleView> {
    const view = await this.cache.read('info', id, async () => {
      const row = await this.rules.findWithSlots(id);
      if (!row) return null;
      const live = toView(row);
      const latest = await this.versions.latest(id);
      if (latest?.state === 'pending_approval')
        return {
          ...live,
          ...latest.body,
          status: live.status,
          version: latest.version,
          pendingVersion: latest.version,
        };
      return live;
    });
    if (!view) throw AppException.notFound('推送规则');
    return view;
  }

  async list(q: ListPushRulesDto): Promise<PushRuleListPage> {
    const page = q.page ?? 1;
    const pagesize = Math.min(q.pagesize ?? 10, MAX_PAGE_SIZE);
    const problems: ErrorDetail[] = [];
    const from = parseListBound(q.startTime, 'startTime', false, problems);
    const to = parseListBound(q.endTime, 'endTime', true, problems);
    if (from && to && from > to)
      problems.push({ field: 'endTime', message: 'endTime must not be before startTime' });
    if (problems.length) throw AppException.validation(problems);

    const filter = {
      searchText: q.searchText || undefined,
      createdFrom: from,
      createdTo: to,
      offset: (page - 1) * pagesize,
      limit: pagesize,
    };
    return this.cache.read('list', filter, async () => {
      const { rows, total } = await this.rules.list(filter);
      return {
        data: rows.map((r) => ({
          id: r.id,
          name: r.name,
          createTime: formatDateTime(r.created_at),
          status: Number(r.status),
          usefulTime: `${r.start_date}~${r.end_date}`,
          approvedVersion: r.approved_version === null ? null : Number(r.approved_version),
          pendingVersion: r.pending_version === null ? null : Number(r.pending_version),
        })),
        total,
        page,
        pagesize,
        pages: Math.ceil(total / pagesize),
      };
    });
  }

  async labels(): Promise<LabelLibrary> {
    const rows = await this.dataSource
      .getRepository(WechatLabel)
      .createQueryBuilder('l')
      .select(['l.type', 'l.bindId', 'l.name'])
      .where('l.type IN (:...types)', {
        types: [LabelType.CITY, LabelType.WAREHOUSE, LabelType.CATEGORY, LabelType.BRAND],
      })
      .orderBy('l.type')
      .addOrderBy('l.id')
      .getMany();
    const names = (t: LabelType) => [
      ...new Set(rows.filter((r) => r.type === t).map((r) => r.name)),
    ];
    const pairs = (t: LabelType) =>
      rows.filter((r) => r.type === t).map((r) => ({ id: r.bindId ?? '', name: r.name }));
    return {
      cityLabels: names(LabelType.CITY),
      storeLabels: pairs(LabelType.WAREHOUSE),
      cateLabels: pairs(LabelType.CATEGORY),
      brandLabels: names(LabelType.BRAND),
    };
  }

  /** After a committed change of a rule or its versions: cached reads go, the scheduler re-plans. */
  async changed(pushId: number): Promise<void> {
    await this.notify(pushId);
  }

  private async notify(pushId: number): Promise<void> {
    await this.cache.invalidate();
    for (const l of this.listeners) await l.onRuleChanged(pushId);
  }
}

const APPROVAL_OFF_COMMENT = 'approval off (RULE_APPROVAL=off)';
const NO_APPROVAL_NEEDED = 'no approval needed';

/**
 * A create or edit request as a version body: labels, media and variants normalised as they
 * are stored; the optional policy fields default to `base`'s (the version being edited) or,
 * for a new rule, to their defaults; slots in the order the live rule lists them.
 */
function toBody(rule: PushRuleDto, base: RuleBody | null): RuleBody {
  const or = <T>(v: T | undefined, b: T | undefined, def: T): T => v ?? b ?? def;
  return {
    name: rule.name,
    status: rule.status ?? PushStatus.ACTIVE,
    startDate: rule.startDate,
    endDate: rule.endDate,
    weekDayPushTime: [...rule.weekDayPushTime]
      .map((s) => ({ week: s.week, time: s.time }))
      .sort((x, y) => x.week - y.week || (x.time < y.time ? -1 : x.time > y.time ? 1 : 0)),
    cityLabels: normalizeLabelList(rule.cityLabels),
    storeLabels: normalizeLabelList(rule.storeLabels),
    brandLabels: normalizeLabelList(rule.brandLabels),
    cateLabels: normalizeLabelList(rule.cateLabels),
    skuLabels: normalizeLabelList(rule.skuLabels),
    lastOrderDay: rule.lastOrderDay,
    lastOrderDayLimit: rule.lastOrderDayLimit,
    content: rule.content ?? '',
    img: rule.img ?? '',
    miniProgramTitle: rule.miniProgramTitle ?? '',
    miniProgramImg: rule.miniProgramImg ?? '',
    miniProgramUrl: rule.miniProgramUrl ?? '',
    cooldownDays: or(
      rule.cooldownDays,
      base?.cooldownDays,
      RULE_POLICY_LIMITS.cooldownDays.default,
    ),
    priority: or(rule.priority, base?.priority, RULE_POLICY_LIMITS.priority.default),
    capExempt: or(rule.capExempt, base?.capExempt, false),
    holdoutPercent: or(
      rule.holdoutPercent,
      base?.holdoutPercent,
      EXPERIMENT_LIMITS.holdoutPercent.default,
    ),
    // As stored and read back: JSON without the absent fields.
    variants:
      rule.variants === undefined
        ? (base?.variants ?? [])
        : (JSON.parse(JSON.stringify(normalizeVariants(rule.variants))) as VariantInput[]),
    contentWeight: or(rule.contentWeight, base?.contentWeight, EXPERIMENT_LIMITS.weight.default),
    ignoreGlobalControl: or(rule.ignoreGlobalControl, base?.ignoreGlobalControl, false),
    senderMode: or(rule.senderMode, base?.senderMode, SENDER_DEFAULTS.senderMode),
    senderFallback: or(rule.senderFallback, base?.senderFallback, SENDER_DEFAULTS.senderFallback),
    // null clears the deadline; only an absent field keeps the edited version's.
    executionDeadlineHours:
      rule.executionDeadlineHours !== undefined
        ? rule.executionDeadlineHours
        : (base?.executionDeadlineHours ?? SENDER_DEFAULTS.executionDeadlineHours),
    ...audienceBody(rule, base),
  };
}

/** The targeting fields of issue 22; absent ones keep `base`'s (the edited version's) or the defaults. */
function audienceBody(rule: PushRuleDto, base: RuleBody | null): AudienceBodyFields {
  const b = base ? withAudienceDefaults(base) : AUDIENCE_DEFAULTS;
  const list = (v: string | undefined, old: string) =>
    v === undefined ? old : normalizeLabelList(v);
  return {
    windowBasis: rule.windowBasis ?? b.windowBasis,
    labelMatch: rule.labelMatch ?? b.labelMatch,
    excludeCityLabels: list(rule.excludeCityLabels, b.excludeCityLabels),
    excludeStoreLabels: list(rule.excludeStoreLabels, b.excludeStoreLabels),
    excludeBrandLabels: list(rule.excludeBrandLabels, b.excludeBrandLabels),
    excludeCateLabels: list(rule.excludeCateLabels, b.excludeCateLabels),
    excludeSkuLabels: list(rule.excludeSkuLabels, b.excludeSkuLabels),
    minOrders: rule.minOrders === undefined ? b.minOrders : rule.minOrders,
    minSpend: rule.minSpend === undefined ? b.minSpend : rule.minSpend,
    valueLookbackDays: rule.valueLookbackDays ?? b.valueLookbackDays,
    rfmTiers:
      rule.rfmTiers === undefined
        ? b.rfmTiers
        : RFM_TIERS.filter((t) => rule.rfmTiers?.includes(t)),
  };
}

/** A view without its id and version fields: the body a version stores. */
function bodyOf(view: PushRuleView): RuleBody {
  const { id: _id, version: _v, approvedVersion: _a, pendingVersion: _p, ...body } = view;
  return body;
}

/** A body's columns of wechat_push, the status excepted (the caller decides on it). */
function columnsOf(body: RuleBody): Partial<WechatPush> {
  const orNull = (s: string) => (s === '' ? null : s);
  return {
    name: body.name,
    startDate: body.startDate,
    endDate: body.endDate,
    cityLabels: body.cityLabels,
    storeLabels: body.storeLabels,
    brandLabels: body.brandLabels,
    cateLabels: body.cateLabels,
    skuLabels: body.skuLabels,
    lastOrderDay: body.lastOrderDay,
    lastOrderDayLimit: body.lastOrderDayLimit,
    content: orNull(body.content),
    img: orNull(body.img),
    miniProgramTitle: orNull(body.miniProgramTitle),
    miniProgramImg: orNull(body.miniProgramImg),
    miniProgramUrl: orNull(body.miniProgramUrl),
    cooldownDays: body.cooldownDays,
    priority: body.priority,
    capExempt: body.capExempt,
    holdoutPercent: body.holdoutPercent,
    variants: body.variants as VariantInput[],
    contentWeight: body.contentWeight,
    ignoreGlobalControl: body.ignoreGlobalControl,
    windowBasis: body.windowBasis,
    labelMatch: body.labelMatch,
    excludeCityLabels: body.excludeCityLabels,
    excludeStoreLabels: body.excludeStoreLabels,
    excludeBrandLabels: body.excludeBrandLabels,
    excludeCateLabels: body.excludeCateLabels,
    excludeSkuLabels: body.excludeSkuLabels,
    minOrders: body.minOrders,
    minSpend: body.minSpend,
    valueLookbackDays: body.valueLookbackDays,
    rfmTiers: body.rfmTiers,
    senderMode: body.senderMode,
    senderFallback: body.senderFallback,
    executionDeadlineHours: body.executionDeadlineHours,
  };
}

/** Variants as stored: the fields a message has, trimmed like the rule's own, and the weight. */
function normalizeVariants(variants: readonly VariantInput[]): VariantInput[] {
  const opt = (s: string | undefined) => (s === undefined || s === '' ? undefined : s);
  return variants.map((v) => ({
    content: opt(v.content),
    img: opt(v.img?.trim()),
    miniProgramTitle: opt(v.miniProgramTitle),
    miniProgramImg: opt(v.miniProgramImg?.trim()),
    miniProgramUrl: opt(v.miniProgramUrl?.trim()),
    weight: v.weight,
  }));
}

function toView(row: RuleWithSlotsRow): PushRuleView {
  return {
    id: row.id,
    name: row.name,
    status: Number(row.status),
    startDate: row.start_date,
    endDate: row.end_date,
    weekDayPushTime: (row.slots ? row.slots.split(',') : []).map((s) => {
      const [week, time] = s.split('@');
      return { week: Number(week), time };
    }),
    cityLabels: row.city_labels,
    storeLabels: row.store_labels,
    brandLabels: row.brand_labels,
    cateLabels: row.cate_labels,
    skuLabels: row.sku_labels,
    lastOrderDay: Number(row.last_order_day),
    lastOrderDayLimit: Number(row.last_order_day_limit),
    content: row.content ?? '',
    img: row.img ?? '',
    miniProgramTitle: row.mini_program_title ?? '',
    miniProgramImg: row.mini_program_img ?? '',
    miniProgramUrl: row.mini_program_url ?? '',
    cooldownDays: Number(row.cooldown_days),
    priority: Number(row.priority),
    capExempt: Number(row.cap_exempt) === 1,
    holdoutPercent: Number(row.holdout_percent),
    variants: row.variants ? (JSON.parse(row.variants) as VariantInput[]) : [],
    contentWeight: Number(row.content_weight),
    ignoreGlobalControl: Number(row.ignore_global_control) === 1,
    windowBasis: row.window_basis,
    labelMatch: row.label_match,
    excludeCityLabels: row.exclude_city_labels ?? '',
    excludeStoreLabels: row.exclude_store_labels ?? '',
    excludeBrandLabels: row.exclude_brand_labels ?? '',
    excludeCateLabels: row.exclude_cate_labels ?? '',
    excludeSkuLabels: row.exclude_sku_labels ?? '',
    minOrders: row.min_orders === null ? null : Number(row.min_orders),
    minSpend: row.min_spend === null ? null : Number(row.min_spend),
    valueLookbackDays: Number(row.value_lookback_days),
    rfmTiers: row.rfm_tiers ? row.rfm_tiers.split(',') : [],
    senderMode: row.sender_mode,
    senderFallback: row.sender_fallback,
    executionDeadlineHours:
      row.execution_deadline_hours === null ? null : Number(row.execution_deadline_hours),
    version: row.approved_version === null ? null : Number(row.approved_version),
    approvedVersion: row.approved_version === null ? null : Number(row.approved_version),
    pendingVersion: null,
  };
}
