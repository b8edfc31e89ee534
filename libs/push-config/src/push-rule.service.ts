import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  APP_CONFIG,
  AppConfig,
  AppException,
  Clock,
  describeAuditChange,
  endOfDay,
  ErrorCode,
  ErrorDetail,
  formatDateTime,
  isCalendarDate,
  isCalendarDateTime,
  parseBusinessDateTime,
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
  normalizeLabelList,
  RULE_POLICY_LIMITS,
  VariantInput,
} from '@app/contracts';
import { checkRuleSemantics } from './push-rule.rules';
import { PushRuleRepository, RuleWithSlotsRow } from './push-rule.repository';
import { RuleReadCache } from './rule-read-cache';

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

  async create(rule: PushRuleDto, operatorId: number): Promise<number> {
    await this.validate(rule);
    this.assertMayExempt(operatorId, rule.capExempt, false);
    const now = this.clock.now();
    let id: number;
    try {
      id = await this.rules.transaction(async (em) => {
        const newId = await this.rules.insertRule(em, {
          ...this.toColumns(rule),
          cooldownDays: rule.cooldownDays ?? RULE_POLICY_LIMITS.cooldownDays.default,
          priority: rule.priority ?? RULE_POLICY_LIMITS.priority.default,
          capExempt: rule.capExempt ?? false,
          holdoutPercent: rule.holdoutPercent ?? EXPERIMENT_LIMITS.holdoutPercent.default,
          variants: normalizeVariants(rule.variants ?? []),
          contentWeight: rule.contentWeight ?? EXPERIMENT_LIMITS.weight.default,
          ignoreGlobalControl: rule.ignoreGlobalControl ?? false,
          isDeleted: 0,
          createdBy: operatorId,
          updatedBy: operatorId,
          createdAt: now,
          updatedAt: now,
        });
        await this.rules.insertSlots(
          em,
          { id: newId, name: rule.name },
          rule.weekDayPushTime,
          operatorId,
          now,
        );
        return newId;
      });
    } catch (e) {
      if (isDuplicateKey(e)) throw nameTaken();
      throw e;
    }
    await this.notify(id);
    return id;
  }

  async edit(rule: EditPushRuleDto, operatorId: number): Promise<void> {
    await this.validate(rule);
    const stored = await this.rules.findActive(rule.id);
    if (!stored) throw AppException.notFound('推送规则');
    this.assertMayExempt(operatorId, rule.capExempt, stored.capExempt);
    const now = this.clock.now();
    try {
      await this.rules.transaction(async (em) => {
        // The policy fields are optional in the seed's shape: omitted, they keep their value.
        const updated = await this.rules.updateRule(em, rule.id, {
          ...this.toColumns(rule),
          ...(rule.cooldownDays === undefined ? {} : { cooldownDays: rule.cooldownDays }),
          ...(rule.priority === undefined ? {} : { priority: rule.priority }),
          ...(rule.capExempt === undefined ? {} : { capExempt: rule.capExempt }),
          ...(rule.holdoutPercent === undefined ? {} : { holdoutPercent: rule.holdoutPercent }),
          ...(rule.variants === undefined ? {} : { variants: normalizeVariants(rule.variants) }),
          ...(rule.contentWeight === undefined ? {} : { contentWeight: rule.contentWeight }),
          ...(rule.ignoreGlobalControl === undefined
            ? {}
            : { ignoreGlobalControl: rule.ignoreGlobalControl }),
          updatedBy: operatorId,
          updatedAt: now,
        });
        if (!updated) throw AppException.notFound('推送规则');
        await this.rules.replaceSlots(
          em,
          { id: rule.id, name: rule.name },
          rule.weekDayPushTime,
          operatorId,
          now,
        );
      });
    } catch (e) {
      if (isDuplicateKey(e)) throw nameTaken();
      throw e;
    }
    await this.notify(rule.id);
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
    const before = await this.info(body.id);
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

  /** The rule in request shape, or NOT_FOUND (deleted rules are not found). */
  async info(id: number): Promise<PushRuleView> {
    const view = await this.cache.read('info', id, async () => {
      const row = await this.rules.findWithSlots(id);
      return row ? toView(row) : null;
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

  private toColumns(rule: PushRuleDto): Partial<WechatPush> {
    const orNull = (s: string | undefined) => (s === undefined || s === '' ? null : s);
    return {
      name: rule.name,
      status: (rule.status ?? PushStatus.ACTIVE) as PushStatus,
      startDate: rule.startDate,
      endDate: rule.endDate,
      cityLabels: normalizeLabelList(rule.cityLabels),
      storeLabels: normalizeLabelList(rule.storeLabels),
      brandLabels: normalizeLabelList(rule.brandLabels),
      cateLabels: normalizeLabelList(rule.cateLabels),
      skuLabels: normalizeLabelList(rule.skuLabels),
      lastOrderDay: rule.lastOrderDay,
      lastOrderDayLimit: rule.lastOrderDayLimit,
      content: orNull(rule.content),
      img: orNull(rule.img),
      miniProgramTitle: orNull(rule.miniProgramTitle),
      miniProgramImg: orNull(rule.miniProgramImg),
      miniProgramUrl: orNull(rule.miniProgramUrl),
    };
  }

  private async notify(pushId: number): Promise<void> {
    await this.cache.invalidate();
    for (const l of this.listeners) await l.onRuleChanged(pushId);
  }
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
  };
}

/**
 * A list bound: '' means none; 'YYYY-MM-DD' means the whole Shanghai day (start of it
 * for startTime, its last second for endTime); 'YYYY-MM-DD HH:mm:ss' is taken as is.
 */
function parseListBound(
  value: string | null | undefined,
  field: string,
  isEnd: boolean,
  problems: ErrorDetail[],
): Date | undefined {
  // @IsOptional() lets null through: it means "no bound", as a missing field does.
  if (value === undefined || value === null || value.trim() === '') return undefined;
  const v = value.trim();
  if (isCalendarDate(v)) {
    const start = parseBusinessDateTime(v);
    return isEnd ? endOfDay(start) : start;
  }
  if (isCalendarDateTime(v)) return parseBusinessDateTime(v);
  problems.push({ field, message: `${field} must be YYYY-MM-DD or YYYY-MM-DD HH:mm:ss` });
  return undefined;
}
