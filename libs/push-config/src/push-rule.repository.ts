import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import type { LabelMatch, SenderFallback, SenderMode, WindowBasis } from '@app/contracts';
import { WechatPush } from './entities/wechat-push.entity';
import { WechatPushTime } from './entities/wechat-push-time.entity';

interface SlotInput {
  week: number;
  time: string;
}

interface ListFilter {
  searchText?: string;
  createdFrom?: Date;
  createdTo?: Date;
  offset: number;
  limit: number;
}

interface ListRow {
  id: number;
  name: string;
  status: number;
  start_date: string;
  end_date: string;
  created_at: Date;
  approved_version: number | null;
  pending_version: number | null;
}

/** A rule the scheduler may fire in a window, with its weekly slots. */
interface ScheduledRule {
  id: number;
  name: string;
  startDate: string;
  endDate: string;
  slots: SlotInput[];
}

/**
 * SPEC §5: the one definition of a rule the scheduler fires — not deleted, switched on
 * (status 0). Its date range and slots are checked against each slot by the caller.
 */
const ACTIVE_RULE = 'p.is_deleted = 0 AND p.status = 0';

export interface RuleWithSlotsRow {
  id: number;
  name: string;
  status: number;
  start_date: string;
  end_date: string;
  city_labels: string;
  store_labels: string;
  brand_labels: string;
  cate_labels: string;
  sku_labels: string;
  last_order_day: number;
  last_order_day_limit: number;
  content: string | null;
  img: string | null;
  mini_program_title: string | null;
  mini_program_img: string | null;
  mini_program_url: string | null;
  cooldown_days: number;
  priority: number;
  cap_exempt: number;
  holdout_percent: string | number;
  variants: string | null;
  content_weight: number;
  ignore_global_control: number;
  window_basis: WindowBasis;
  label_match: LabelMatch;
  exclude_city_labels: string | null;
  exclude_store_labels: string | null;
  exclude_brand_labels: string | null;
  exclude_cate_labels: string | null;
  exclude_sku_labels: string | null;
  min_orders: number | null;
  min_spend: string | number | null;
  value_lookback_days: number;
  rfm_tiers: string | null;
  sender_mode: SenderMode;
  sender_fallback: SenderFallback;
  execution_deadline_hours: number | null;
  approved_version: number | null;
  slots: string | null;
}

/** `%` and `_` (and the escape itself) match literally in LIKE. */
export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * Every query on wechat_push and wechat_push_time. Reads never see deleted rules;
 * writes that belong together take the transaction's EntityManager.
 */
@Injectable()
export class PushRuleRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  async insertRule(em: EntityManager, rule: Partial<WechatPush>): Promise<number> {
    const result = await em.insert(WechatPush, rule);
    // The insert id of a BIGINT column, a number with the connection's big-number settings.
    return result.identifiers[0].id as number;
  }

  async updateRule(em: EntityManager, id: number, rule: Partial<WechatPush>): Promise<boolean> {
    const result = await em.update(WechatPush, { id, isDeleted: 0 }, rule);
    return (result.affected ?? 0) > 0;
  }

  /** Replaces a rule's slots with `slots` (same transaction as the rule write). */
  async replaceSlots(
    em: EntityManager,
    push: { id: number; name: string },
    slots: SlotInput[],
    operatorId: number,
    at: Date,
  ): Promise<void> {
    await em.delete(WechatPushTime, { pushId: push.id });
    await this.insertSlots(em, push, slots, operatorId, at);
  }

  async insertSlots(
    em: EntityManager,
    push: { id: number; name: string },
    slots: SlotInput[],
    operatorId: number,
    at: Date,
  ): Promise<void> {
    if (slots.length === 0) return;
    await em.insert(
      WechatPushTime,
      slots.map((s) => ({
        pushId: push.id,
        name: push.name,
        weekDay: s.week,
        pushTime: s.time,
        createdBy: operatorId,
        updatedBy: operatorId,
        createdAt: at,
        updatedAt: at,
      })),
    );
  }

  /**
   * A live rule with its slots ('week@HH:mm' joined by ','). The slots are read as rows, not
   * with GROUP_CONCAT: MySQL 8's default group_concat_max_len (1,024) would cut a rule of
   * 200 slots short.
   */
  async findWithSlots(
    id: number,
    em: EntityManager = this.dataSource.manager,
  ): Promise<RuleWithSlotsRow | undefined> {
    const rows: RuleWithSlotsRow[] = await em.query(
      `SELECT p.id, p.name, p.status, p.start_date, p.end_date, p.city_labels, p.store_labels,
              p.brand_labels, p.cate_labels, p.sku_labels, p.last_order_day, p.last_order_day_limit,
              p.content, p.img, p.mini_program_title, p.mini_program_img, p.mini_program_url,
              p.cooldown_days, p.priority, p.cap_exempt, p.holdout_percent,
              p.ignore_global_control, p.variants, p.content_weight, p.approved_version,
              p.window_basis, p.label_match, p.exclude_city_labels, p.exclude_store_labels,
              p.exclude_brand_labels, p.exclude_cate_labels, p.exclude_sku_labels, p.min_orders,
              p.min_spend, p.value_lookback_days, p.rfm_tiers,
              p.sender_mode, p.sender_fallback, p.execution_deadline_hours
         FROM wechat_push p
        WHERE p.id = ? AND p.is_deleted = 0`,
      [id],
    );
    if (!rows[0]) return undefined;
    const slots: { week_day: number; push_time: string }[] = await em.query(
      'SELECT week_day, push_time FROM wechat_push_time WHERE push_id = ? ORDER BY week_day, push_time',
      [id],
    );
    return {
      ...rows[0],
      slots: slots.length ? slots.map((t) => `${t.week_day}@${t.push_time}`).join(',') : null,
    };
  }

  findActive(id: number): Promise<WechatPush | null> {
    return this.dataSource.getRepository(WechatPush).findOne({ where: { id, isDeleted: 0 } });
  }

  /** The names of the live rules among `ids` (a deleted or unknown id is absent). */
  async namesOf(ids: readonly number[]): Promise<Map<number, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.dataSource
      .getRepository(WechatPush)
      .find({ select: { id: true, name: true }, where: { id: In([...ids]), isDeleted: 0 } });
    return new Map(rows.map((r) => [r.id, r.name]));
  }

  /** The rule as stored, deleted or not (a slot job tells "deleted" from "never existed"). */
  findStored(id: number): Promise<WechatPush | null> {
    return this.dataSource.getRepository(WechatPush).findOneBy({ id });
  }

  /**
   * Active rules whose date range meets [firstDate, lastDate], with their slots on `weekdays`
   * (one rule when `pushId` is given).
   */
  async findScheduled(
    firstDate: string,
    lastDate: string,
    weekdays: number[],
    pushId?: number,
  ): Promise<ScheduledRule[]> {
    const rows: {
      id: number;
      name: string;
      start_date: string;
      end_date: string;
      week_day: number;
      push_time: string;
    }[] = await this.dataSource.query(
      `SELECT p.id, p.name, p.start_date, p.end_date, t.week_day, t.push_time
           FROM wechat_push p JOIN wechat_push_time t ON t.push_id = p.id
          WHERE ${ACTIVE_RULE}
            AND p.start_date <= ? AND p.end_date >= ?
            AND t.week_day IN (?) ${pushId === undefined ? '' : 'AND p.id = ?'}`,
      [lastDate, firstDate, weekdays, ...(pushId === undefined ? [] : [pushId])],
    );
    const rules = new Map<number, ScheduledRule>();
    for (const r of rows) {
      const id = r.id;
      const rule = rules.get(id) ?? {
        id,
        name: r.name,
        startDate: r.start_date,
        endDate: r.end_date,
        slots: [],
      };
      rule.slots.push({ week: Number(r.week_day), time: r.push_time });
      rules.set(id, rule);
    }
    return [...rules.values()];
  }

  /**
   * Active rules with a slot at this Shanghai date, weekday and minute, with their priority:
   * the selections the contact policy orders (docs/AUDIENCE.md "Priorities").
   */
  async findSlotPeers(
    date: string,
    weekDay: number,
    time: string,
  ): Promise<{ id: number; priority: number }[]> {
    const rows: { id: number; priority: number | string }[] = await this.dataSource.query(
      `SELECT DISTINCT p.id, p.priority
         FROM wechat_push p JOIN wechat_push_time t ON t.push_id = p.id
        WHERE ${ACTIVE_RULE} AND p.start_date <= ? AND p.end_date >= ?
          AND t.week_day = ? AND t.push_time = ?`,
      [date, date, weekDay, time],
    );
    return rows.map((r) => ({ id: r.id, priority: Number(r.priority) }));
  }

  findSlots(pushId: number): Promise<WechatPushTime[]> {
    return this.dataSource
      .getRepository(WechatPushTime)
      .find({ where: { pushId }, order: { weekDay: 'ASC', pushTime: 'ASC' } });
  }

  async list(filter: ListFilter): Promise<{ rows: ListRow[]; total: number }> {
    const qb = this.dataSource.createQueryBuilder().from(WechatPush, 'p').where('p.is_deleted = 0');
    if (filter.searchText) {
      qb.andWhere(`p.name LIKE :q ESCAPE '\\\\'`, { q: `%${escapeLike(filter.searchText)}%` });
    }
    if (filter.createdFrom) qb.andWhere('p.created_at >= :from', { from: filter.createdFrom });
    if (filter.createdTo) qb.andWhere('p.created_at <= :to', { to: filter.createdTo });
    const [total, rows] = await Promise.all([
      qb.clone().select('COUNT(*)', 'n').getRawOne<{ n: string }>(),
      qb
        .select([
          'p.id AS id',
          'p.name AS name',
          'p.status AS status',
          'p.start_date AS start_date',
          'p.end_date AS end_date',
          'p.created_at AS created_at',
          'p.approved_version AS approved_version',
          `(SELECT MAX(v.version) FROM wechat_push_versions v
             WHERE v.push_id = p.id AND v.state = 'pending_approval') AS pending_version`,
        ])
        .orderBy('p.created_at', 'DESC')
        .addOrderBy('p.id', 'DESC')
        .offset(filter.offset)
        .limit(filter.limit)
        .getRawMany<ListRow>(),
    ]);
    return { rows, total: Number(total?.n ?? 0) };
  }
}
