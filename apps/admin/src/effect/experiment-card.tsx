import {
  Alert,
  App,
  Button,
  Card,
  Empty,
  Popconfirm,
  Space,
  Statistic,
  Table,
  Tag,
  Typography,
  type TableColumnsType,
} from 'antd';
import { useEffect, useState } from 'react';
import { useApi } from '../api/api-context';
import { useCan } from '../auth/me-context';
import type { Experiment, ExperimentGroup, Lift, PushRuleView, VariantKey } from '../api/types';
import { num, pct, yuanText } from './analysis';
import {
  errorBarScale,
  groupLabel,
  liftVerdict,
  pp,
  recommendedVariant,
  revenueLiftText,
} from './experiment';

/** How many rules of the page's name filter get an experiment card. */
const MAX_CARDS = 10;

const GROUP_ROWS: { key: string; title: string; value: (g: ExperimentGroup) => string }[] = [
  { key: 'recipients', title: '人数', value: (g) => num(g.recipients) },
  { key: 'buyers', title: '购买者', value: (g) => num(g.buyers) },
  { key: 'rate', title: '购买转化率', value: (g) => pct(g.userConversionRate) },
  { key: 'orders', title: '订单数', value: (g) => num(g.orders) },
  { key: 'revenue', title: '营收（元）', value: (g) => yuanText(g.revenue) },
  {
    key: 'perRecipient',
    title: '人均营收（元）',
    value: (g) => yuanText(g.revenuePerRecipient.toFixed(2)),
  },
];

const ROW_HEIGHT = 32;
const PLOT_LEFT = 56;
const PLOT_WIDTH = 330;

/**
 * Each lift as a dot with its 95 % interval as an error bar, on one scale around 0 (dashed):
 * green / red when significantly above / below the baseline, grey otherwise.
 */
function LiftErrorBars({ lifts, baseline }: { lifts: Lift[]; baseline: string }) {
  const scale = errorBarScale(lifts);
  const x = (v: number) => PLOT_LEFT + scale.at(v) * PLOT_WIDTH;
  const height = lifts.length * ROW_HEIGHT + 24;
  return (
    <svg
      className="lift-error-bars"
      data-testid="lift-error-bars"
      viewBox={`0 0 ${PLOT_LEFT + PLOT_WIDTH + 14} ${height}`}
      role="img"
      aria-label={`购买转化率提升（相对${groupLabel(baseline)}，百分点）及 95% 区间`}
      style={{ width: '100%', maxWidth: 520, height: 'auto' }}
    >
      <line x1={x(0)} x2={x(0)} y1={4} y2={height - 20} stroke="#8c8c8c" strokeDasharray="4 3" />
      {lifts.map((l, i) => {
        const y = 4 + i * ROW_HEIGHT + ROW_HEIGHT / 2;
        const color = l.significant ? (l.absolute > 0 ? '#389e0d' : '#cf1322') : '#8c8c8c';
        const [low, high] = l.ci95 ?? [l.absolute, l.absolute];
        return (
          <g
            key={l.group}
            data-testid={`lift-bar-${l.group}`}
            data-low={pp(low)}
            data-high={pp(high)}
            data-value={pp(l.absolute)}
          >
            <text x={0} y={y + 4} fontSize={12} fill="#262626">
              {groupLabel(l.group)}
            </text>
            <line x1={x(low)} x2={x(high)} y1={y} y2={y} stroke={color} strokeWidth={2} />
            <line x1={x(low)} x2={x(low)} y1={y - 6} y2={y + 6} stroke={color} strokeWidth={2} />
            <line x1={x(high)} x2={x(high)} y1={y - 6} y2={y + 6} stroke={color} strokeWidth={2} />
            <circle cx={x(l.absolute)} cy={y} r={4} fill={color} />
          </g>
        );
      })}
      <text x={PLOT_LEFT} y={height - 6} fontSize={11} fill="#8c8c8c">
        -{pp(scale.limit)}
      </text>
      <text x={x(0)} y={height - 6} fontSize={11} fill="#8c8c8c" textAnchor="middle">
        0
      </text>
      <text x={PLOT_LEFT + PLOT_WIDTH} y={height - 6} fontSize={11} fill="#8c8c8c" textAnchor="end">
        +{pp(scale.limit)} 百分点
      </text>
    </svg>
  );
}

/** Whether `rule` still carries `variant` (A only beside other variants): promotable. */
const ruleHasVariant = (rule: PushRuleView, variant: string) =>
  rule.variants.length > 0 && variant.charCodeAt(0) - 66 < rule.variants.length;

/**
 * 推荐采用变体 X and, after a confirmation, 采用该变体: the variant becomes the rule's content
 * and the others stop (POST /wechatpush/variant/promote, recorded). Never automatic.
 */
function PromoteVariant(props: { pushId: number; variant: string; onPromoted: () => void }) {
  const { pushId, variant, onPromoted } = props;
  const api = useApi();
  const { message } = App.useApp();
  const [rule, setRule] = useState<PushRuleView | null>();
  const [promoting, setPromoting] = useState(false);

  useEffect(() => {
    let current = true;
    // A deleted rule (404) cannot be changed: no button.
    api.ruleInfo(pushId).then(
      (r) => current && setRule(r),
      () => current && setRule(null),
    );
    return () => {
      current = false;
    };
  }, [api, pushId]);

  const promote = async () => {
    setPromoting(true);
    try {
      await api.promoteVariant(pushId, variant as VariantKey);
      message.success(`已采用变体 ${variant}：规则内容已更新，其余变体已停用`);
      onPromoted();
    } catch (e) {
      message.error(`采用变体失败：${(e as Error).message}`);
    } finally {
      setPromoting(false);
    }
  };

  const promotable = rule ? ruleHasVariant(rule, variant) : false;
  const canPromote = useCan('approver');
  return (
    <Alert
      type="success"
      showIcon
      data-testid="experiment-winner"
      message={`推荐采用变体 ${variant}`}
      description={
        rule === undefined
          ? '正在读取规则…'
          : promotable
            ? `变体 ${variant} 的购买转化率高于其他变体，且相对基线显著。是否采用由运营决定，系统不会自动修改规则。`
            : '规则当前已没有这个变体（可能已采用或变体已修改），无需操作。'
      }
      action={
        promotable && canPromote ? (
          <Popconfirm
            title={`采用变体 ${variant}？`}
            description={
              <div style={{ maxWidth: 320 }}>
                {variant === 'A'
                  ? '保留规则自身内容（变体 A），'
                  : `变体 ${variant} 的文案、图片和小程序卡片将替换规则内容，`}
                其余变体停用，之后的执行只发送这一个内容。此操作会被记录，之后可在编辑推送中再添加变体。
              </div>
            }
            okText="确认采用"
            cancelText="取消"
            onConfirm={() => promote()}
          >
            <Button type="primary" size="small" loading={promoting}>
              采用该变体
            </Button>
          </Popconfirm>
        ) : undefined
      }
    />
  );
}

/** One rule's experiment: its groups side by side, the lifts with their intervals, the verdicts. */
function ExperimentCard(props: { experiment: Experiment; onPromoted: () => void }) {
  const { experiment: e, onPromoted } = props;
  const winner = recommendedVariant(e);
  const columns: TableColumnsType<(typeof GROUP_ROWS)[number]> = [
    { title: '指标', dataIndex: 'title', key: 'metric', width: 120 },
    ...e.groups.map((g) => ({
      key: g.group,
      title: groupLabel(g.group) + (g.group === e.baseline ? '（基线）' : ''),
      align: 'right' as const,
      render: (_: unknown, row: (typeof GROUP_ROWS)[number]) => row.value(g),
    })),
  ];
  return (
    <Card
      title={`实验：${e.ruleName}`}
      data-testid={`experiment-card-${e.pushId}`}
      extra={
        <Space size={4}>
          <Tag>{e.runCount} 次执行</Tag>
          <Tag>归因 {e.attributionDays} 天</Tag>
          <Tag color={e.baseline === 'control' ? 'blue' : 'default'}>
            基线：{groupLabel(e.baseline ?? 'A')}
          </Tag>
        </Space>
      }
    >
      <Space direction="vertical" size={12} style={{ width: '100%' }}>
        {winner && <PromoteVariant pushId={e.pushId} variant={winner} onPromoted={onPromoted} />}
        <Table
          className="experiment-groups"
          data-testid="experiment-groups"
          rowKey="key"
          size="small"
          bordered
          pagination={false}
          columns={columns}
          dataSource={GROUP_ROWS}
          scroll={{ x: 120 + e.groups.length * 120 }}
        />
        {e.lift.length > 0 ? (
          <>
            <LiftErrorBars lifts={e.lift} baseline={e.baseline ?? 'A'} />
            <div data-testid="experiment-verdicts">
              {e.lift.map((l) => (
                <Typography.Paragraph key={l.group} style={{ marginBottom: 4 }}>
                  <Typography.Text strong={l.significant}>{liftVerdict(e, l)}</Typography.Text>
                </Typography.Paragraph>
              ))}
              {e.revenueLift.map((l) => (
                <Typography.Paragraph key={l.group} type="secondary" style={{ marginBottom: 4 }}>
                  {revenueLiftText(l)}
                </Typography.Paragraph>
              ))}
            </div>
          </>
        ) : (
          <Typography.Text type="secondary">只有一个分组，没有可比较的对象</Typography.Text>
        )}
        {e.baseline === 'control' ? (
          <Space size={32} wrap data-testid="experiment-incremental">
            <Statistic title="增量订单" value={e.incrementalOrders ?? 0} precision={2} />
            <Statistic title="增量购买者" value={e.incrementalBuyers ?? 0} precision={2} />
            <Statistic
              title="增量营收（元）"
              value={e.incrementalRevenue ? yuanText(e.incrementalRevenue) : '—'}
            />
          </Space>
        ) : (
          <Typography.Text type="secondary" data-testid="experiment-incremental">
            没有对照组（holdout）：只比较内容变体，无法计算推送带来的增量
          </Typography.Text>
        )}
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          每个（执行,
          客户）计一次；实验组含发送失败的接收人，对照组从分配时刻起计订单，两组口径相同。 显著：95%
          区间不含 0，且每组至少 {e.significanceRule.minRecipients} 人、
          {e.significanceRule.minBuyers} 位购买者。
        </Typography.Text>
      </Space>
    </Card>
  );
}

/**
 * 实验 cards of the effect page: one per rule whose name contains the page's filter (the first
 * ten) that ran in the range.
 */
export function ExperimentCards(props: { name?: string; startTime: string; endTime: string }) {
  const api = useApi();
  const { message } = App.useApp();
  const [experiments, setExperiments] = useState<Experiment[]>();
  // Bumped after a promotion: the cards load again with the rule as it is now.
  const [version, setVersion] = useState(0);
  const { name, startTime, endTime } = props;

  useEffect(() => {
    let current = true;
    setExperiments(undefined);
    (async () => {
      const rules = await api.listRules({ searchText: name, page: 1, pagesize: MAX_CARDS });
      const all = await Promise.all(
        rules.data.map((r) => api.effectExperiment({ id: r.id, startTime, endTime })),
      );
      if (current) setExperiments(all.filter((e) => e.runCount > 0));
    })().catch((e: unknown) => {
      if (current) {
        setExperiments([]);
        message.error(`加载实验失败：${(e as Error).message}`);
      }
    });
    return () => {
      current = false;
    };
  }, [api, message, name, startTime, endTime, version]);

  if (experiments && experiments.length > 0) {
    return (
      <>
        {experiments.map((e) => (
          <ExperimentCard
            key={`${e.pushId}-${version}`}
            experiment={e}
            onPromoted={() => setVersion((v) => v + 1)}
          />
        ))}
      </>
    );
  }
  return (
    <Card title="实验" data-testid="experiment-empty" loading={!experiments}>
      <Empty description="该范围内没有执行" />
    </Card>
  );
}
