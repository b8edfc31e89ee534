import { ReloadOutlined, ThunderboltOutlined } from '@ant-design/icons';
import {
  Alert,
  App,
  Button,
  Card,
  Popconfirm,
  Popover,
  Space,
  Table,
  Tag,
  Tooltip,
  Typography,
  type TableColumnsType,
} from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { variantKey } from '@app/contracts';
import { ApiError } from '../api/api-client';
import { useApi } from '../api/api-context';
import { useCan } from '../auth/me-context';
import type { BatchView, PushRuleView, RunPage, RunView } from '../api/types';
import {
  ACTIVE_RUN_STATES,
  BATCH_STATES,
  CANCELLABLE_RUN_STATES,
  describeReason,
  RESENDABLE_BATCH_STATES,
  RUN_STATES,
  runKindLabel,
} from '../rules/run-labels';
import { exclusionItems, exclusionTotal } from '../rules/exclusions';
import { recipientsByVariant, shareText, variantShares } from '../rules/variants';
import { RunSendersTable } from '../components/run-senders-table';

const POLL_MS = 3000;
const num = (n: number | null) => (n === null ? '—' : n.toLocaleString('zh-CN'));

/** 执行记录: every firing of one rule, its batches, and the resend / cancel decisions. */
export function RuleRunsPage() {
  const canApprove = useCan('approver');
  const api = useApi();
  const { message, modal } = App.useApp();
  const id = Number(useParams().id);
  const [rule, setRule] = useState<PushRuleView>();
  const [ruleError, setRuleError] = useState<string>();
  const [runs, setRuns] = useState<RunPage>();
  const [page, setPage] = useState(1);
  const [pagesize, setPagesize] = useState(10);
  const [loading, setLoading] = useState(false);

  useEffect(() => {
    api.ruleInfo(id).then(setRule, (e: unknown) => setRuleError((e as Error).message));
  }, [api, id]);

  const load = useCallback(
    async (quiet = false) => {
      if (!quiet) setLoading(true);
      try {
        setRuns(await api.runs(id, page, pagesize));
      } catch (e) {
        if (!quiet) message.error(`加载执行记录失败：${(e as Error).message}`);
      } finally {
        if (!quiet) setLoading(false);
      }
    },
    [api, id, page, pagesize, message],
  );

  useEffect(() => {
    void load();
  }, [load]);

  const moving = runs?.data.some((r) => ACTIVE_RUN_STATES.includes(r.state)) ?? false;
  useEffect(() => {
    if (!moving) return;
    const timer = setInterval(() => void load(true), POLL_MS);
    return () => clearInterval(timer);
  }, [moving, load]);

  const act = async (what: string, call: () => Promise<unknown>) => {
    try {
      await call();
      message.success(`${what}：已提交`);
    } catch (e) {
      message.error(`${what}失败：${(e as Error).message}`);
    }
    await load(true);
  };

  /** Inside the policy's quiet hours the API answers 409 until the operator confirms. */
  const trigger = async () => {
    try {
      await api.trigger(id);
      message.success('立即执行：已提交');
    } catch (e) {
      if (e instanceof ApiError && e.code === 'QUIET_HOURS') {
        modal.confirm({
          title: '免打扰时段',
          content: '当前处于免打扰时段，现在发送会打扰客户。仍要发送？（执行记录将标记为“强制”）',
          okText: '仍要发送',
          okButtonProps: { danger: true },
          cancelText: '不发送',
          onOk: () => act('强制执行', () => api.trigger(id, true)),
        });
        return;
      }
      if (e instanceof ApiError && e.code === 'CONFIRMATION_REQUIRED') {
        const requestId = e.details.find((d) => d.field === 'requestId')?.message;
        modal.info({
          title: '需要另一位审批人确认',
          content: `${e.message}。请另一位审批人在「待审批」页输入确认请求号 ${requestId ?? ''} 后执行。`,
          okText: '知道了',
        });
        return;
      }
      message.error(`立即执行失败：${(e as Error).message}`);
    }
    await load(true);
  };

  const batchColumns: TableColumnsType<BatchView> = [
    { title: '批次', dataIndex: 'batchNo', width: 70, render: (n: number) => `#${n}` },
    {
      title: '变体',
      dataIndex: 'variant',
      width: 70,
      render: (v: string) => <Tag color={v === 'A' ? 'default' : 'geekblue'}>{v}</Tag>,
    },
    {
      title: '状态',
      dataIndex: 'state',
      width: 100,
      render: (s: BatchView['state']) => (
        <Tag color={BATCH_STATES[s].color}>{BATCH_STATES[s].label}</Tag>
      ),
    },
    { title: '人数', dataIndex: 'recipientCount', width: 90, render: num },
    { title: '失败人数', dataIndex: 'failCount', width: 90, render: num },
    {
      title: '尝试/重发',
      key: 'attempts',
      width: 100,
      render: (_: unknown, b) => `${b.attempts} / ${b.resends}`,
    },
    {
      title: '企业微信 msgid',
      dataIndex: 'msgid',
      ellipsis: true,
      render: (m: string | null) => m ?? '—',
    },
    {
      title: '错误',
      key: 'error',
      ellipsis: true,
      render: (_: unknown, b) =>
        b.errcode !== null || b.errmsg ? `${b.errcode ?? ''} ${b.errmsg ?? ''}`.trim() : '—',
    },
    {
      title: '完成时间',
      dataIndex: 'finishedAt',
      width: 170,
      render: (t: string | null) => t ?? '—',
    },
    {
      title: '操作',
      key: 'actions',
      width: 90,
      render: (_: unknown, b) =>
        canApprove && RESENDABLE_BATCH_STATES.includes(b.state) ? (
          <Popconfirm
            title={`重发批次 #${b.batchNo}？`}
            description={
              b.state === 'unknown'
                ? '该批次结果未知：企业微信可能已创建群发任务。系统会在等待期过后自动核对企业微信的群发记录；如需现在重发，请先在企业微信后台确认未创建，否则客户可能收到两次。'
                : b.state === 'safe_to_resend'
                  ? '系统已核对企业微信的群发记录：该批次的群发任务未被创建，可以安全重发。'
                  : '该批次发送失败，重发将再次调用企业微信群发接口。'
            }
            okText="确认重发"
            cancelText="取消"
            onConfirm={() => act(`重发批次 #${b.batchNo}`, () => api.resendBatch(b.id))}
          >
            <Button size="small" type="link">
              重发
            </Button>
          </Popconfirm>
        ) : null,
    },
  ];

  const columns: TableColumnsType<RunView> = [
    { title: '时间槽', dataIndex: 'slotAt', width: 170 },
    {
      title: '方式',
      dataIndex: 'kind',
      width: 120,
      render: (kind: string, r) => (
        <Space size={4}>
          {runKindLabel(kind)}
          {r.forced && (
            <Tooltip title="在免打扰时段内由运营确认后强制执行">
              <Tag color="volcano">强制</Tag>
            </Tooltip>
          )}
        </Space>
      ),
    },
    {
      title: '规则版本',
      dataIndex: 'ruleVersion',
      width: 90,
      render: (v: number | null) => (v === null ? '—' : `v${v}`),
    },
    {
      title: '状态',
      dataIndex: 'state',
      width: 110,
      render: (s: RunView['state']) => <Tag color={RUN_STATES[s].color}>{RUN_STATES[s].label}</Tag>,
    },
    {
      title: '原因',
      dataIndex: 'reason',
      ellipsis: true,
      render: (r: string | null) => describeReason(r) || '—',
    },
    { title: '目标人数', dataIndex: 'audienceCount', width: 100, render: num },
    {
      title: <Tooltip title="A/B 测试：各内容变体的接收人数（按批次合计）">变体（人数）</Tooltip>,
      key: 'variants',
      width: 170,
      render: (_: unknown, r) => {
        const by = recipientsByVariant(r.batches);
        if (by.length === 0) return '—';
        if (by.length === 1) return by[0].variant;
        return (
          <Space size={[4, 4]} wrap data-testid="run-variants">
            {by.map((v) => (
              <Tag key={v.variant} color={v.variant === 'A' ? 'default' : 'geekblue'}>
                {v.variant} {num(v.recipients)}
              </Tag>
            ))}
          </Space>
        );
      },
    },
    {
      title: (
        <Tooltip title="参与筛选与触达策略但不发送的客户（本推送对照组 + 全局对照组），用于衡量推送带来的增量">
          对照组
        </Tooltip>
      ),
      dataIndex: 'controlCount',
      width: 90,
      render: num,
    },
    {
      title: '策略排除',
      dataIndex: 'excluded',
      width: 100,
      render: (excluded: RunView['excluded']) => {
        const items = exclusionItems(excluded);
        if (items.length === 0) return '0';
        return (
          <Popover
            title="触达策略排除（每人只计一次）"
            content={
              <ul className="exclusion-list" style={{ margin: 0, paddingLeft: 16 }}>
                {items.map((i) => (
                  <li key={i.label}>
                    {i.label}：{num(i.count)} 人
                  </li>
                ))}
              </ul>
            }
          >
            <Typography.Link>{num(exclusionTotal(excluded))}</Typography.Link>
          </Popover>
        );
      },
    },
    {
      title: '批次（成功/失败/未知/总数）',
      key: 'batches',
      width: 200,
      render: (_: unknown, r) =>
        `${r.sentBatches} / ${r.failedBatches} / ${r.unknownBatches} / ${r.batchCount ?? '—'}`,
    },
    { title: '企业微信接收', dataIndex: 'acceptedCount', width: 110, render: num },
    { title: '失败人数', dataIndex: 'failCount', width: 90, render: num },
    {
      title: '完成时间',
      dataIndex: 'finishedAt',
      width: 170,
      render: (t: string | null) => t ?? '—',
    },
    {
      title: '操作',
      key: 'actions',
      width: 90,
      fixed: 'right',
      render: (_: unknown, r) =>
        canApprove && CANCELLABLE_RUN_STATES.includes(r.state) ? (
          <Popconfirm
            title="取消这次执行？"
            description="未发送的批次不再发送；已创建的企业微信群发任务将被取消（员工已发出的消息无法撤回）。"
            okText="确认取消"
            okButtonProps={{ danger: true }}
            cancelText="不取消"
            onConfirm={() => act('取消执行', () => api.cancelRun(r.id))}
          >
            <Button size="small" type="link" danger>
              取消
            </Button>
          </Popconfirm>
        ) : null,
    },
  ];

  return (
    <Card
      title={
        <Space wrap>
          <span>执行记录</span>
          {rule && (
            <Typography.Text type="secondary" style={{ fontWeight: 'normal' }}>
              「{rule.name}」
            </Typography.Text>
          )}
          {rule && rule.variants.length > 0 && (
            <Tooltip title="A/B 测试：每位客户按权重确定性分配到一个变体，每个变体单独成批发送">
              <Tag color="geekblue" data-testid="rule-variants">
                内容变体{' '}
                {(
                  variantShares(
                    rule.contentWeight,
                    rule.variants.map((v) => v.weight),
                  ) ?? []
                )
                  .map((share, i) => `${variantKey(i)} ${shareText(share)}`)
                  .join(' · ')}
              </Tag>
            </Tooltip>
          )}
          {rule && rule.holdoutPercent > 0 && (
            <Tooltip title="本推送按此比例留出对照组：参与筛选但不发送，用于衡量推送带来的增量">
              <Tag color="purple" data-testid="rule-holdout">
                对照组 {rule.holdoutPercent}%
              </Tag>
            </Tooltip>
          )}
        </Space>
      }
      extra={
        <Space wrap>
          <Link to={`/rules/${id}/edit`}>编辑规则</Link>
          <Button icon={<ReloadOutlined />} onClick={() => void load()}>
            刷新
          </Button>
          {canApprove && (
            <Popconfirm
              title="立即执行一次？"
              description="按当前规则立即筛选人群并发送（记为手动执行），不受状态和有效期限制。"
              okText="立即执行"
              cancelText="取消"
              onConfirm={() => trigger()}
            >
              <Button type="primary" icon={<ThunderboltOutlined />}>
                立即执行
              </Button>
            </Popconfirm>
          )}
        </Space>
      }
    >
      {ruleError && (
        <Alert
          type="error"
          showIcon
          message={`无法加载规则：${ruleError}`}
          style={{ marginBottom: 16 }}
        />
      )}
      <Table<RunView>
        rowKey="id"
        columns={columns}
        dataSource={runs?.data ?? []}
        loading={loading}
        scroll={{ x: 1690 }}
        locale={{ emptyText: '还没有执行记录' }}
        expandable={{
          rowExpandable: (r) => r.batches.length > 0,
          expandedRowRender: (r) => {
            const by = recipientsByVariant(r.batches);
            return (
              <>
                <RunSendersTable run={r} />
                {by.length > 1 && (
                  <Typography.Paragraph data-testid="run-variant-summary">
                    按变体：
                    {by
                      .map((v) => `${v.variant} ${num(v.recipients)} 人（${v.batches} 批）`)
                      .join('，')}
                  </Typography.Paragraph>
                )}
                <Table<BatchView>
                  rowKey="id"
                  size="small"
                  columns={batchColumns}
                  dataSource={r.batches}
                  pagination={false}
                  scroll={{ x: 970 }}
                />
              </>
            );
          },
        }}
        pagination={{
          current: page,
          pageSize: pagesize,
          total: runs?.total ?? 0,
          showSizeChanger: true,
          showTotal: (t) => `共 ${t} 次`,
          onChange: (p, s) => {
            setPage(s !== pagesize ? 1 : p);
            setPagesize(s);
          },
        }}
      />
    </Card>
  );
}
