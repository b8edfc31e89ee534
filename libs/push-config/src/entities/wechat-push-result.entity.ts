import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** The seed's result JSON, one row per batch sent. */
export interface WechatPushResultJson {
  external_userid: string[];
  content: string;
  attachments: unknown[];
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

  @Column({ type: 'json' })
  result: WechatPushResultJson;

  @Column({ name: 'created_at', type: 'datetime' })
  createdAt: Date;
}
