import { App, Button, Card, Space, Table, Tag, Tooltip, type TableColumnsType } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { useApi } from '../api/api-context';
import type { OpenConfirmation } from '../api/types';

/**
 * 大额执行确认: triggers and resends above APPROVAL_CONFIRM_ABOVE waiting for a second
 * approver (issue 23). Each row can be confirmed by any approver but the one who asked it.
 */
export function ConfirmationRequests() {
  const api = useApi();
  const { message } = App.useApp();
  const [rows, setRows] = useState<OpenConfirmation[]>([]);
  const [loading, setLoading] = useState(false);
  const [busy, setBusy] = useState<number>();

  const load = useCallback(async () => {
    setLoading(true);
    try {
      setRows((await api.openConfirmations()).data);
    } catch (e) {
      message.error(`加载待确认请求失败：${(e as Error).message}`);
    } finally {
      setLoading(false);
    }
  }, [api, message]);

  useEffect(() => {
    void load();
  }, [load]);

  const confirm = async (r: OpenConfirmation) => {
    setBusy(r.requestId);
    try {
      const { runId } = await api.confirmTrigger(r.requestId);
      message.success(`已确认请求 #${r.requestId}，执行 #${runId} 已开始`);
      await load();
    } catch (e) {
      message.error(`确认失败：${(e as Error).message}`);
    } finally {
      setBusy(undefined);
    }
  };

  const columns: TableColumnsType<OpenConfirmation> = [
    { title: '请求号', dataIndex: 'requestId', width: 80 },
    {
      title: '类型',
      dataIndex: 'kind',
      width: 120,
      render: (kind: OpenConfirmation['kind'], r) => (
        <Space size={4}>
          {kind === 'resend' ? (
            <Tag color="orange">批次重发</Tag>
          ) : (
            <Tag color="blue">立即执行</Tag>
          )}
          {r.force && <Tag>免打扰内</Tag>}
        </Space>
      ),
    },
    {
      title: '推送名称',
      dataIndex: 'ruleName',
      render: (name: string | null, r) =>
        name === null ? (
          `规则 #${r.pushId}（已删除）`
        ) : (
          <Link to={`/rules/${r.pushId}/edit`}>{name}</Link>
        ),
    },
    {
      title: '人数',
      dataIndex: 'size',
      width: 100,
      render: (n: number, r) => (r.kind === 'resend' ? `${n}（批次 #${r.batchId}）` : n),
    },
    {
      title: '发起人',
      dataIndex: 'requesterName',
      width: 120,
      render: (n: string | null, r) => n ?? `操作员 #${r.requestedBy}`,
    },
    { title: '发起时间', dataIndex: 'requestedAt', width: 170 },
    { title: '过期时间', dataIndex: 'expiresAt', width: 170 },
    {
      title: '操作',
      key: 'actions',
      width: 120,
      render: (_: unknown, r) => (
        <Tooltip title={r.mine ? '不能确认自己发起的请求' : undefined}>
          <Button
            type="primary"
            danger
            size="small"
            disabled={r.mine}
            loading={busy === r.requestId}
            aria-label={`确认请求 #${r.requestId}`}
            onClick={() => void confirm(r)}
          >
            确认执行
          </Button>
        </Tooltip>
      ),
    },
  ];

  return (
    <Card
      size="small"
      title="大额执行确认"
      style={{ marginTop: 16 }}
      extra={
        <Button size="small" onClick={() => void load()}>
          刷新
        </Button>
      }
    >
      <p style={{ marginTop: 0 }}>
        目标人数（或重发批次的人数）超过阈值的执行需另一位审批人确认；请求 1 小时内有效。
      </p>
      <Table<OpenConfirmation>
        rowKey="requestId"
        columns={columns}
        dataSource={rows}
        loading={loading}
        pagination={false}
        scroll={{ x: 900 }}
        locale={{ emptyText: '没有待确认的请求' }}
      />
    </Card>
  );
}
