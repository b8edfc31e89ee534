import { Table, Tag, Typography } from 'antd';
import type { FieldDiff, RuleVersion } from '../api/types';

/** Chinese names of a rule's fields, as the form labels them. */
const FIELD_LABELS: Record<string, string> = {
  name: '推送名称',
  status: '状态',
  startDate: '开始日期',
  endDate: '结束日期',
  weekDayPushTime: '推送时间',
  cityLabels: '城市',
  storeLabels: '分仓',
  brandLabels: '品牌',
  cateLabels: '品类',
  skuLabels: 'SKU',
  lastOrderDay: '最近下单（天）起',
  lastOrderDayLimit: '最近下单（天）止',
  holdoutPercent: '对照组比例',
  content: '文本内容',
  img: '图片',
  miniProgramTitle: '小程序标题',
  miniProgramImg: '小程序封面',
  miniProgramUrl: '小程序路径',
  variants: '内容变体',
  contentWeight: '内容 A 权重',
  cooldownDays: '冷却天数',
  priority: '优先级',
  capExempt: '服务通知',
  ignoreGlobalControl: '发给全局对照组',
  senderMode: '发送人',
  senderFallback: '无专属导购的客户',
  executionDeadlineHours: '执行期限（小时）',
};

const WEEK = ['', '周一', '周二', '周三', '周四', '周五', '周六', '周日'];

const STATE_TAGS: Record<RuleVersion['state'], { color: string; text: string }> = {
  pending_approval: { color: 'orange', text: '待审批' },
  approved: { color: 'green', text: '已通过' },
  rejected: { color: 'red', text: '已驳回' },
  superseded: { color: 'default', text: '已被替代' },
};

export const stateTag = (state: RuleVersion['state']) => (
  <Tag color={STATE_TAGS[state].color}>{STATE_TAGS[state].text}</Tag>
);

/** A field's value as text: slots as 周一 10:00, lists and objects as JSON, empty as —. */
function show(field: string, value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  if (field === 'weekDayPushTime' && Array.isArray(value))
    return (value as { week: number; time: string }[])
      .map((s) => `${WEEK[s.week] ?? s.week} ${s.time}`)
      .join('、');
  if (field === 'status') return value === 0 ? '进行中' : '已暂停';
  if (typeof value === 'boolean') return value ? '是' : '否';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** The field-by-field differences of a version: 字段 / 修改前 / 修改后. */
export function VersionDiff({ diff, label }: { diff: FieldDiff[]; label: string }) {
  if (diff.length === 0) return <Typography.Text type="secondary">无字段变化</Typography.Text>;
  return (
    <Table<FieldDiff>
      size="small"
      rowKey="field"
      pagination={false}
      aria-label={label}
      dataSource={diff}
      columns={[
        {
          title: '字段',
          dataIndex: 'field',
          width: 140,
          render: (f: string) => FIELD_LABELS[f] ?? f,
        },
        {
          title: '修改前',
          dataIndex: 'before',
          render: (v: unknown, row) => (
            <Typography.Text
              delete={v !== null}
              type="secondary"
              style={{ whiteSpace: 'pre-wrap' }}
            >
              {show(row.field, v)}
            </Typography.Text>
          ),
        },
        {
          title: '修改后',
          dataIndex: 'after',
          render: (v: unknown, row) => (
            <Typography.Text style={{ whiteSpace: 'pre-wrap' }}>
              {show(row.field, v)}
            </Typography.Text>
          ),
        },
      ]}
    />
  );
}
