import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { RunKind } from '../queue.contracts';

export enum RunState {
  PENDING = 'pending',
  SELECTING = 'selecting',
  SENDING = 'sending',
  COMPLETED = 'completed',
  SKIPPED = 'skipped',
  MISSED = 'missed',
  FAILED = 'failed',
  CANCELLED = 'cancelled',
}

export const TERMINAL_RUN_STATES: readonly RunState[] = [
  RunState.COMPLETED,
  RunState.SKIPPED,
  RunState.MISSED,
  RunState.FAILED,
  RunState.CANCELLED,
];

/** One firing of a rule slot, or a manual trigger. */
@Entity('wechat_push_runs')
export class PushRun {
  @PrimaryGeneratedColumn({ type: 'bigint', unsigned: true })
  id: number;

  @Column({ name: 'push_id', type: 'bigint', unsigned: true })
  pushId: number;

  @Column({ type: 'varchar', length: 16 })
  kind: RunKind;

  @Column({ name: 'slot_at', type: 'datetime' })
  slotAt: Date;

  @Column({ type: 'varchar', length: 16 })
  state: RunState;

  @Column({ type: 'varchar', length: 255, nullable: true })
  reason: string | null;

  @Column({ name: 'rule_name', type: 'varchar', length: 255 })
  ruleName: string;

  @Column({ type: 'text', nullable: true })
  content: string | null;

  @Column({ type: 'json', nullable: true })
  attachments: unknown[] | null;

  @Column({ name: 'audience_count', type: 'int', nullable: true })
  audienceCount: number | null;

  /** JSON ExclusionCounts: customers the contact policy kept out so far (null: none selected). */
  @Column({ type: 'text', nullable: true })
  excluded: string | null;

  /** Customers of the run held out (rule holdout + global control): selected, not sent. */
  @Column({ name: 'control_count', type: 'int', nullable: true })
  controlCount: number | null;

  /** JSON `{content, attachments}[]`: the messages of variants B, C, … (A is content/attachments). */
  @Column({ name: 'variant_messages', type: 'longtext', nullable: true })
  variantMessages: string | null;

  /** JSON: the experiment as it stood when the run selected ({holdoutPercent, globalControlPercent}). */
  @Column({ type: 'text', nullable: true })
  experiment: string | null;

  /** The rule's sender mode as the run selected under it (NULL before its selection began). */
  @Column({ name: 'sender_mode', type: 'varchar', length: 8, nullable: true })
  senderMode: string | null;

  @Column({ name: 'sender_fallback', type: 'varchar', length: 8, nullable: true })
  senderFallback: string | null;

  /** Hours members had to send its tasks before they were cancelled (NULL: no deadline). */
  @Column({ name: 'execution_deadline_hours', type: 'smallint', unsigned: true, nullable: true })
  executionDeadlineHours: number | null;

  /** A manual trigger inside quiet hours that said `force: true`. */
  @Column({
    type: 'tinyint',
    default: 0,
    transformer: {
      to: (v?: boolean) => (v === undefined ? v : v ? 1 : 0),
      from: (v: number) => v === 1,
    },
  })
  forced: boolean;

  @Column({ name: 'batch_count', type: 'int', nullable: true })
  batchCount: number | null;

  /** JSON keyset position after the last committed batch; a retried selection resumes there. */
  @Column({ name: 'select_cursor', type: 'varchar', length: 255, nullable: true })
  selectCursor: string | null;

  @Column({ name: 'sent_batches', type: 'int', default: 0 })
  sentBatches: number;

  @Column({ name: 'failed_batches', type: 'int', default: 0 })
  failedBatches: number;

  @Column({ name: 'unknown_batches', type: 'int', default: 0 })
  unknownBatches: number;

  @Column({ name: 'accepted_count', type: 'int', default: 0 })
  acceptedCount: number;

  @Column({ name: 'fail_count', type: 'int', default: 0 })
  failCount: number;

  @Column({ name: 'triggered_by', type: 'bigint', nullable: true })
  triggeredBy: number | null;

  /** The approved rule version this run sent (NULL: a rule without versions, or not yet read). */
  @Column({ name: 'rule_version', type: 'int', unsigned: true, nullable: true })
  ruleVersion: number | null;

  @Column({ name: 'started_at', type: 'datetime', nullable: true })
  startedAt: Date | null;

  @Column({ name: 'finished_at', type: 'datetime', nullable: true })
  finishedAt: Date | null;

  @Column({ name: 'created_at', type: 'datetime' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'datetime' })
  updatedAt: Date;
}
