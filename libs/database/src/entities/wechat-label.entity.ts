import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Label types as the company's tables number them. */
export enum LabelType {
  CITY = 0,
  WAREHOUSE = 1,
  CATEGORY = 2,
  BRAND = 3,
  SKU = 4,
}

/** A label of the company's label library (read-only for this system). */
@Entity('wechat_labels')
export class WechatLabel {
  @PrimaryGeneratedColumn({ type: 'bigint', unsigned: true })
  id: number;

  @Column({ name: 'bind_id', type: 'varchar', length: 64, nullable: true })
  bindId: string | null;

  @Column({ type: 'varchar', length: 255 })
  name: string;

  @Column({ type: 'int' })
  type: LabelType;
}
