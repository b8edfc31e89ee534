import { Table, Typography } from 'antd';
import type { RunView } from '../api/types';

type SenderRow = RunView['senders'][number];

const num = (n: number) => n.toLocaleString('zh-CN');

/**
 * A run's senders (issue 22): per store guide (or 企业微信分配) its batches, customers and how
 * its members executed the tasks — sent, not yet, reminded before and cancelled at the deadline.
 * Shown when the run sent through named senders or its members' tasks were tracked.
 */
export function RunSendersTable({ run }: { run: RunView }) {
  const rows = run.senders;
  const named = rows.some((r) => r.sender !== null);
  const tracked = rows.some((r) => r.sentTasks + r.pendingTasks > 0);
  if (!named && !tracked) return null;
  return (
    <>
      <Typography.Paragraph data-testid="run-senders-title" style={{ marginBottom: 8 }}>
        按发送人{run.senderMode === 'owner' ? '（专属导购）' : ''}
        {run.executionDeadlineHours ? `，执行期限 ${run.executionDeadlineHours} 小时` : ''}：
      </Typography.Paragraph>
      <Table<SenderRow>
        data-testid="run-senders"
        rowKey={(r) => r.sender ?? ''}
        size="small"
        pagination={false}
        dataSource={rows}
        style={{ marginBottom: 12 }}
        columns={[
          {
            title: '发送人',
            dataIndex: 'sender',
            render: (s: string | null) => s ?? '企业微信分配',
          },
          { title: '批次', dataIndex: 'batches', render: num },
          { title: '客户', dataIndex: 'recipients', render: num },
          { title: '企业微信接受', dataIndex: 'accepted', render: num },
          { title: '已发送任务', dataIndex: 'sentTasks', render: num },
          { title: '未发送任务', dataIndex: 'pendingTasks', render: num },
          { title: '期限前提醒', dataIndex: 'remindedTasks', render: num },
          { title: '到期取消', dataIndex: 'cancelledTasks', render: num },
        ]}
      />
    </>
  );
}
