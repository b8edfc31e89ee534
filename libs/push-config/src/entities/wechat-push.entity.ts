import { Column, Entity, OneToMany, PrimaryGeneratedColumn } from 'typeorm';
import { WechatPushTime } from './wechat-push-time.entity';
import type {
  LabelMatch,
  SenderFallback,
  SenderMode,
  VariantInput,
  WindowBasis,
} from '@app/contracts';

/** A nullable comma-separated list column read as a string ('' for NULL). */
const listColumn = (name: string) =>
  Column({
    name,
    type: 'text',
    nullable: true,
    transformer: {
      to: (v?: string | null) => (v === undefined ? undefined : v ? v : null),
      from: (v: string | null) => v ?? '',
    },
  });

export enum PushStatus {
  ACTIVE = 0,
  PAUSED = 1,
}

/** A push rule (精准推送规则); columns as the seed names them. */
@Entity('wechat_push')
export class WechatPush {
  @PrimaryGeneratedColumn({ type: 'bigint', unsigned: true })
  id: number;

  @Column({ type: 'varchar', length: 255 })
  name: string;

  @Column({ type: 'int', default: PushStatus.ACTIVE })
  status: PushStatus;

  /** 'YYYY-MM-DD', Asia/Shanghai. */
  @Column({ name: 'start_date', type: 'date' })
  startDate: string;

  @Column({ name: 'end_date', type: 'date' })
  endDate: string;

  @Column({ name: 'city_labels', type: 'text' })
  cityLabels: string;

  @Column({ name: 'store_labels', type: 'text' })
  storeLabels: string;

  @Column({ name: 'brand_labels', type: 'text' })
  brandLabels: string;

  @Column({ name: 'cate_labels', type: 'text' })
  cateLabels: string;

  @Column({ name: 'sku_labels', type: 'text' })
  skuLabels: string;

  @Column({ name: 'last_order_day', type: 'int' })
  lastOrderDay: number;

  @Column({ name: 'last_order_day_limit', type: 'int' })
  lastOrderDayLimit: number;

  @Column({ type: 'text', nullable: true })
  content: string | null;

  @Column({ type: 'varchar', length: 1024, nullable: true })
  img: string | null;

  @Column({ name: 'mini_program_title', type: 'varchar', length: 255, nullable: true })
  miniProgramTitle: string | null;

  @Column({ name: 'mini_program_img', type: 'varchar', length: 1024, nullable: true })
  miniProgramImg: string | null;

  @Column({ name: 'mini_program_url', type: 'varchar', length: 1024, nullable: true })
  miniProgramUrl: string | null;

  /** Contact policy: not picked again by this rule within N days (0 = off). */
  @Column({ name: 'cooldown_days', type: 'smallint', unsigned: true, default: 7 })
  cooldownDays: number;

  /** 1 selects first … 10 last, among slots of the same minute. */
  @Column({ type: 'tinyint', unsigned: true, default: 5 })
  priority: number;

  /** A service notice: neither capped nor counted against the caps. */
  @Column({
    name: 'cap_exempt',
    type: 'tinyint',
    default: 0,
    transformer: {
      to: (v?: boolean) => (v === undefined ? v : v ? 1 : 0),
      from: (v: number) => v === 1,
    },
  })
  capExempt: boolean;

  /** Experiments: percent of the rule's customers held out (selected, recorded, not sent). */
  @Column({
    name: 'holdout_percent',
    type: 'decimal',
    precision: 4,
    scale: 2,
    default: 0,
    transformer: { to: (v?: number) => v, from: (v: string | number) => Number(v) },
  })
  holdoutPercent: number;

  /** Content variants B, C, … (JSON VariantInput[]); the rule's own content is A. */
  @Column({
    type: 'text',
    nullable: true,
    transformer: {
      to: (v?: VariantInput[] | null) =>
        v === undefined ? undefined : v && v.length ? JSON.stringify(v) : null,
      from: (v: string | null) => (v ? (JSON.parse(v) as VariantInput[]) : []),
    },
  })
  variants: VariantInput[];

  /** The weight of the rule's own content (A) among the variants. */
  @Column({ name: 'content_weight', type: 'smallint', unsigned: true, default: 1 })
  contentWeight: number;

  /** A cap-exempt service notice may reach the global control group. */
  @Column({
    name: 'ignore_global_control',
    type: 'tinyint',
    default: 0,
    transformer: {
      to: (v?: boolean) => (v === undefined ? v : v ? 1 : 0),
      from: (v: number) => v === 1,
    },
  })
  ignoreGlobalControl: boolean;

  /** Targeting (docs/AUDIENCE.md): the purchase the day window applies to. */
  @Column({
    name: 'window_basis',
    type: 'enum',
    enum: ['lastOrder', 'labelledGoods'],
    default: 'lastOrder',
  })
  windowBasis: WindowBasis;

  /** any: OR across every label; all: AND across label types on one order. */
  @Column({ name: 'label_match', type: 'enum', enum: ['any', 'all'], default: 'any' })
  labelMatch: LabelMatch;

  @listColumn('exclude_city_labels')
  excludeCityLabels: string;

  @listColumn('exclude_store_labels')
  excludeStoreLabels: string;

  @listColumn('exclude_brand_labels')
  excludeBrandLabels: string;

  @listColumn('exclude_cate_labels')
  excludeCateLabels: string;

  @listColumn('exclude_sku_labels')
  excludeSkuLabels: string;

  /** Value tier: at least this many counted orders in the last valueLookbackDays (null: none). */
  @Column({ name: 'min_orders', type: 'smallint', unsigned: true, nullable: true })
  minOrders: number | null;

  /** Value tier: at least this many yuan net of refunds (null: none). */
  @Column({
    name: 'min_spend',
    type: 'decimal',
    precision: 10,
    scale: 2,
    nullable: true,
    transformer: {
      to: (v?: number | null) => v,
      from: (v: string | number | null) => (v === null ? null : Number(v)),
    },
  })
  minSpend: number | null;

  @Column({ name: 'value_lookback_days', type: 'smallint', unsigned: true, default: 180 })
  valueLookbackDays: number;

  /** RFM tier codes (RFM_TIERS); [] = no condition. */
  @Column({
    name: 'rfm_tiers',
    type: 'varchar',
    length: 255,
    nullable: true,
    transformer: {
      to: (v?: readonly string[] | null) =>
        v === undefined ? undefined : v && v.length ? v.join(',') : null,
      from: (v: string | null) => (v ? v.split(',') : []),
    },
  })
  rfmTiers: string[];

  /** Issue 22: `wecom` (no sender, WeCom assigns) or `owner` (each customer's store guide). */
  @Column({ name: 'sender_mode', type: 'varchar', length: 8, default: 'wecom' })
  senderMode: SenderMode;

  /** With `owner`: customers without an owner are `skip`ped or sent as under `wecom`. */
  @Column({ name: 'sender_fallback', type: 'varchar', length: 8, default: 'wecom' })
  senderFallback: SenderFallback;

  /** Hours members have to send a task before it is cancelled; null = no deadline. */
  @Column({ name: 'execution_deadline_hours', type: 'smallint', unsigned: true, nullable: true })
  executionDeadlineHours: number | null;

  @Column({ name: 'is_deleted', type: 'int', default: 0 })
  isDeleted: number;

  /**
   * The version (wechat_push_versions) these columns and the slots hold: always the last
   * approved one; NULL until a first version is approved (nothing fires, no slots).
   */
  @Column({ name: 'approved_version', type: 'int', unsigned: true, nullable: true })
  approvedVersion: number | null;

  @Column({ name: 'created_by', type: 'bigint', nullable: true })
  createdBy: number | null;

  @Column({ name: 'updated_by', type: 'bigint', nullable: true })
  updatedBy: number | null;

  @Column({ name: 'created_at', type: 'datetime' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'datetime' })
  updatedAt: Date;

  @OneToMany(() => WechatPushTime, (t) => t.push)
  slots?: WechatPushTime[];
}
