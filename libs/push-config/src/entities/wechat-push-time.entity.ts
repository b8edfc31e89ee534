import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import type { WechatPush } from './wechat-push.entity';

/** One weekly slot of a rule: weekday 1..7 (7 = Sunday) at 'HH:mm', Asia/Shanghai. */
@Entity('wechat_push_time')
export class WechatPushTime {
  @PrimaryGeneratedColumn({ type: 'bigint', unsigned: true })
  id: number;

  @Column({ name: 'push_id', type: 'bigint', unsigned: true })
  pushId: number;

  @ManyToOne('WechatPush', 'slots', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'push_id' })
  push?: WechatPush;

  /** The rule's name, kept for the seed's reports; push_id is the real link. */
  @Column({ type: 'varchar', length: 255 })
  name: string;

  @Column({ name: 'week_day', type: 'int' })
  weekDay: number;

  @Column({ name: 'push_time', type: 'char', length: 5 })
  pushTime: string;

  @Column({ name: 'created_by', type: 'bigint', nullable: true })
  createdBy: number | null;

  @Column({ name: 'updated_by', type: 'bigint', nullable: true })
  updatedBy: number | null;

  @Column({ name: 'created_at', type: 'datetime' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'datetime' })
  updatedAt: Date;
}
