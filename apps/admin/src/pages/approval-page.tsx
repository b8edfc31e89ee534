import {
  App,
  Button,
  Card,
  Input,
  Modal,
  Space,
  Table,
  Tooltip,
  type TableColumnsType,
} from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { useApi } from '../api/api-context';
import type { PendingVersion, PendingVersionPage } from '../api/types';
import { VersionDiff } from '../versions/version-diff';
import { ConfirmationRequests } from './confirmation-requests';

const MAX_COMMENT = 500;
const APPROVER_ROLES = ['approver', 'admin'];

/**
 * 待审批: rules with a version waiting for approval; each opens to the field-by-field diff
 * against the version in effect. 通过 / 驳回 only for approvers, never for the version's author.
 */
export function ApprovalPage() {
  const api = useApi();
  const { message } = App.useApp();
  const [result, setResult] = useState<PendingVersionPage>();
  const [loading, setLoading] = useState(false);
  const [me, setMe] = useState<{ operatorId: number; role: string }>();
  const [page, setPage] = useState(1);
  const [busy, setBusy] = useState<string>();
  const [rejecting, setRejecting] = useState<PendingVersion>();
  const [comment, setComment] = useState('');

  const load = useCallback(async () => {
    setLoading(true);
    try {
      setResult(await api.pendingVersions(page, 10));
    } catch (e) {
      message.error(`加载待审批失败：${(e as Error).message}`);
    } finally {
      setLoading(false);
    }
  }, [api, message, page]);

  useEffect(() => {
    void load();
  }, [load]);
  useEffect(() => {
    api.me().then(setMe, () => undefined);
  }, [api]);

  const mayDecide = me !== undefined && APPROVER_ROLES.includes(me.role);
  const key = (r: PendingVersion) => `${r.id}:${r.version}`;

  const approve = async (r: PendingVersion) => {
    setBusy(key(r));
    try {
      await api.approveVersion(r.id, r.version);
      message.success(`「${r.name}」版本 ${r.version} 已通过`);
      await load();
    } catch (e) {
      message.error(`审批失败：${(e as Error).message}`);
    } finally {
      setBusy(undefined);
    }
  };

  const reject = async () => {
    if (!rejecting) return;
    const r = rejecting;
    setBusy(key(r));
    try {
      await api.rejectVersion(r.id, r.version, comment.trim());
      message.success(`「${r.name}」版本 ${r.version} 已驳回`);
      setRejecting(undefined);
      setComment('');
      await load();
    } catch (e) {
      message.error(`驳回失败：${(e as Error).message}`);
    } finally {
      setBusy(undefined);
    }
  };

  const columns: TableColumnsType<PendingVersion> = [
    {
      title: '推送名称',
      dataIndex: 'name',
      render: (name: string, r) => <Link to={`/rules/${r.id}/edit`}>{name}</Link>,
    },
    { title: '版本', dataIndex: 'version', width: 80 },
    {
      title: '生效版本',
      dataIndex: 'approvedVersion',
      width: 100,
      render: (v: number | null) => v ?? '（新规则）',
    },
    {
      title: '提交人',
      dataIndex: 'authorName',
      width: 140,
      render: (n: string | null, r) => n ?? `操作员 #${r.authorId}`,
    },
    { title: '提交时间', dataIndex: 'createdAt', width: 170 },
    {
      title: '操作',
      key: 'actions',
      width: 180,
      render: (_: unknown, r) => {
        if (!mayDecide) return null;
        const own = me?.operatorId === r.authorId;
        const why = own ? '不能审批自己提交的版本' : undefined;
        return (
          <Space>
            <Tooltip title={why}>
              <Button
                type="primary"
                size="small"
                disabled={own}
                loading={busy === key(r)}
                aria-label={`通过「${r.name}」版本 ${r.version}`}
                onClick={() => void approve(r)}
              >
                通过
              </Button>
            </Tooltip>
            <Tooltip title={why}>
              <Button
                danger
                size="small"
                disabled={own}
                aria-label={`驳回「${r.name}」版本 ${r.version}`}
                onClick={() => {
                  setComment('');
                  setRejecting(r);
                }}
              >
                驳回
              </Button>
            </Tooltip>
          </Space>
        );
      },
    },
  ];

  return (
    <Card title="待审批">
      <Table<PendingVersion>
        rowKey={key}
        columns={columns}
        dataSource={result?.data ?? []}
        loading={loading}
        scroll={{ x: 800 }}
        expandable={{
          expandRowByClick: false,
          expandedRowRender: (r) => (
            <VersionDiff diff={r.diff} label={`「${r.name}」版本 ${r.version} 的修改`} />
          ),
        }}
        locale={{ emptyText: '没有待审批的版本' }}
        pagination={{
          current: result?.page ?? page,
          pageSize: 10,
          total: result?.total ?? 0,
          showTotal: (total) => `共 ${total} 条`,
          onChange: setPage,
        }}
      />
      {mayDecide && <ConfirmationRequests />}
      <Modal
        title={rejecting ? `驳回「${rejecting.name}」版本 ${rejecting.version}` : '驳回'}
        open={rejecting !== undefined}
        okText="驳回"
        okButtonProps={{ danger: true, disabled: comment.trim() === '' }}
        confirmLoading={rejecting !== undefined && busy === key(rejecting)}
        cancelText="取消"
        onOk={() => void reject()}
        onCancel={() => setRejecting(undefined)}
      >
        <Input.TextArea
          aria-label="驳回原因"
          placeholder="请填写驳回原因（必填）"
          value={comment}
          maxLength={MAX_COMMENT}
          showCount
          rows={4}
          onChange={(e) => setComment(e.target.value)}
        />
      </Modal>
    </Card>
  );
}
