import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export enum BatchState {
  /**
   * A batch of an `owner` run (one sender) still taking that member's customers while the
   * selection reads on: never sent, nor enqueued; `pending` once full or the selection is done.
   */
  FILLING = 'filling',
  PENDING = 'pending',
  SENDING = 'sending',
  SENT = 'sent',
  FAILED = 'failed',
  /** The request may have reached WeCom but no answer came: never resent automatically. */
  UNKNOWN = 'unknown',
  /**
   * An `unknown` batch the worker checked against WeCom's task list after its in-flight
   * window: no task with its content and recipients exists, so WeCom did not create it. Its
   * reservations are given back; an operator may resend it (never automatic).
   */
  SAFE_TO_RESEND = 'safe_to_resend',
  CANCELLED = 'cancelled',
}

export const TERMINAL_BATCH_STATES: readonly BatchState[] = [
  BatchState.SENT,
  BatchState.FAILED,
  BatchState.UNKNOWN,
  BatchState.SAFE_TO_RESEND,
  BatchState.CANCELLED,
];

/** ≤ PUSH_BATCH_SIZE recipients of a run: one add_msg_template call. */
@Entity('wechat_push_batches')
export class PushBatch {
  @PrimaryGeneratedColumn({ type: 'bigint', unsigned: true })
  id: number;

  @Column({ name: 'run_id', type: 'bigint', unsigned: true })
  runId: number;

  @Column({ name: 'batch_no', type: 'int' })
  batchNo: number;

  @Column({ type: 'varchar', length: 16 })
  state: BatchState;

  /** The content variant its recipients got: 0 = the rule's own (A), 1 = B, … */
  @Column({ type: 'tinyint', unsigned: true, default: 0 })
  variant: number;

  /** The member whose task this is (add_msg_template `sender`); null: WeCom assigns. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  sender: string | null;

  @Column({ name: 'recipient_count', type: 'int' })
  recipientCount: number;

  /** JSON array of external_userid (read only when sending). */
  @Column({ type: 'longtext', select: false })
  recipients: string;

  @Column({ type: 'int', default: 0 })
  attempts: number;

  @Column({ type: 'varchar', length: 128, nullable: true })
  msgid: string | null;

  @Column({ type: 'int', nullable: true })
  errcode: number | null;

  @Column({ type: 'varchar', length: 512, nullable: true })
  errmsg: string | null;

  @Column({ name: 'fail_list', type: 'longtext', nullable: true, select: false })
  failList: string | null;

  @Column({ name: 'fail_count', type: 'int', default: 0 })
  failCount: number;

  @Column({ type: 'int', default: 0 })
  resends: number;

  /** When a worker last asked WeCom about this `unknown` batch (claims the check for a while). */
  @Column({ name: 'resolve_checked_at', type: 'datetime', nullable: true })
  resolveCheckedAt: Date | null;

  @Column({ name: 'sending_at', type: 'datetime', nullable: true })
  sendingAt: Date | null;

  /** The token of the latest claim: an attempt that failed before its call journals it. */
  @Column({ name: 'claim_token', type: 'char', length: 36, nullable: true })
  claimToken: string | null;

  @Column({ name: 'finished_at', type: 'datetime', nullable: true })
  finishedAt: Date | null;

  @Column({ name: 'created_at', type: 'datetime' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'datetime' })
  updatedAt: Date;
}
