import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** The seed's result JSON, one row per batch sent. */
export interface WechatPushResultJson {
  external_userid: string[];
  content: string;
  attachments: object[];
  add: { errcode: number; errmsg: string; fail_list: string[]; msgid: string };
}

@Entity('wechat_push_results')
export class WechatPushResult {
  @PrimaryGeneratedColumn({ type: 'bigint', unsigned: true })
  id: number;

  @Column({ type: 'varchar', length: 255 })
  name: string;

  @Column({ name: 'push_id', type: 'bigint', unsigned: true, nullable: true })
  pushId: number | null;

  /** The run and batch that produced this row (NULL for rows written before runs existed). */
  @Column({ name: 'run_id', type: 'bigint', unsigned: true, nullable: true })
  runId: number | null;

  @Column({ name: 'batch_id', type: 'bigint', unsigned: true, nullable: true })
  batchId: number | null;

  @Column({ type: 'json' })
  result: WechatPushResultJson;

  @Column({ name: 'created_at', type: 'datetime' })
  createdAt: Date;
}
