import {
  Alert,
  App,
  Button,
  Card,
  DatePicker,
  Form,
  Input,
  InputNumber,
  Space,
  Table,
  Tag,
} from 'antd';
import type { TableColumnsType } from 'antd';
import type { Dayjs } from 'dayjs';
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from '../api/api-client';
import { useApi } from '../api/api-context';
import type { AuditEntry, AuditPage as AuditPageData, AuditQuery } from '../api/types';

const ACTOR_TYPES: Record<string, string> = {
  account: '账号',
  api_key: 'API 密钥',
  token: '令牌',
  anonymous: '未登录',
};

const ROLE_NAMES: Record<string, string> = {
  viewer: '查看者',
  editor: '编辑',
  approver: '审批人',
  admin: '管理员',
};

interface Filters {
  userId?: number | null;
  action?: string;
  targetId?: string;
  range?: [Dayjs | null, Dayjs | null] | null;
}

const pretty = (v: unknown) =>
  v === null || v === undefined ? '（无）' : JSON.stringify(v, null, 2);

/** Before and after side by side; the fields whose value changed are listed above. */
function ChangeDetail({ entry }: { entry: AuditEntry }) {
  const before = entry.before as Record<string, unknown> | null;
  const after = entry.after as Record<string, unknown> | null;
  const changed =
    before && after && typeof before === 'object' && typeof after === 'object'
      ? Object.keys({ ...before, ...after }).filter(
          (k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]),
        )
      : [];
  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid="audit-detail">
      {changed.length > 0 && (
        <div>
          变更字段：
          {changed.map((k) => (
            <Tag key={k} color="orange">
              {k}
            </Tag>
          ))}
        </div>
      )}
      <div>请求 ID：{entry.requestId ?? '—'}</div>
      <div style={{ display: 'flex', gap: 16 }}>
        <div style={{ flex: 1, minWidth: 0 }}>
          <b>修改前</b>
          <pre className="audit-json">{pretty(entry.before)}</pre>
        </div>
        <div style={{ flex: 1, minWidth: 0 }}>
          <b>修改后 / 请求内容</b>
          <pre className="audit-json">{pretty(entry.after)}</pre>
        </div>
      </div>
    </Space>
  );
}

/** 操作日志 (admins only): who changed what and when, with before/after. Read-only. */
export function AuditPage() {
  const api = useApi();
  const { message } = App.useApp();
  const [form] = Form.useForm<Filters>();
  const [query, setQuery] = useState<Omit<AuditQuery, 'page' | 'pagesize'>>({});
  const [page, setPage] = useState(1);
  const [pagesize, setPagesize] = useState(20);
  const [result, setResult] = useState<AuditPageData>();
  const [loading, setLoading] = useState(false);
  const [forbidden, setForbidden] = useState(false);

  const latest = useRef(0);
  const load = useCallback(async () => {
    const request = ++latest.current;
    setLoading(true);
    try {
      const data = await api.auditLog({ ...query, page, pagesize });
      if (request === latest.current) setResult(data);
    } catch (e) {
      if (request !== latest.current) return;
      if (e instanceof ApiError && e.status === 403) setForbidden(true);
      else {
        const detail = e instanceof ApiError ? e.details[0]?.message : undefined;
        message.error(`加载操作日志失败：${(e as Error).message}${detail ? `（${detail}）` : ''}`);
      }
    } finally {
      if (request === latest.current) setLoading(false);
    }
  }, [api, message, query, page, pagesize]);

  useEffect(() => {
    void load();
  }, [load]);

  const search = () => {
    const v = form.getFieldsValue();
    const [from, to] = v.range ?? [];
    setQuery({
      userId: v.userId ?? undefined,
      action: v.action?.trim() || undefined,
      targetId: v.targetId?.trim() || undefined,
      startTime: from ? from.format('YYYY-MM-DD HH:mm:ss') : undefined,
      endTime: to ? to.format('YYYY-MM-DD HH:mm:ss') : undefined,
    });
    setPage(1);
  };

  const columns: TableColumnsType<AuditEntry> = [
    { title: '时间', dataIndex: 'at', width: 170 },
    {
      title: '操作人',
      key: 'actor',
      width: 200,
      render: (_: unknown, e) => (
        <span>
          {e.actorName ?? '—'}
          {e.actorId !== null && `（#${e.actorId}）`}
          <Tag style={{ marginLeft: 4 }}>{ACTOR_TYPES[e.actorType] ?? e.actorType}</Tag>
        </span>
      ),
    },
    {
      title: '角色',
      dataIndex: 'role',
      width: 90,
      render: (r: string | null) => (r ? (ROLE_NAMES[r] ?? r) : '—'),
    },
    { title: 'IP', dataIndex: 'clientIp', width: 140, render: (ip: string | null) => ip ?? '—' },
    { title: '操作', dataIndex: 'action', ellipsis: true },
    {
      title: '对象',
      key: 'target',
      width: 160,
      render: (_: unknown, e) =>
        e.targetType || e.targetId
          ? `${e.targetType ?? ''} ${e.targetId ? `#${e.targetId}` : ''}`
          : '—',
    },
    {
      title: '结果',
      dataIndex: 'outcome',
      width: 80,
      render: (o: string) =>
        o === 'ok' ? <Tag color="green">成功</Tag> : <Tag color="red">失败</Tag>,
    },
  ];

  if (forbidden) {
    return (
      <Card title="操作日志">
        <Alert type="warning" showIcon message="仅管理员可以查看操作日志。" />
      </Card>
    );
  }

  return (
    <Card title="操作日志">
      <Alert
        type="info"
        showIcon
        style={{ marginBottom: 16 }}
        message="每次修改（含登录、退出、失败的登录和导出）都记录一行：谁、什么角色、何时、从哪个 IP、做了什么、修改前后。日志只能查看，任何人都不能修改或删除。"
      />
      <Form<Filters> form={form} layout="inline" style={{ marginBottom: 16, rowGap: 8 }}>
        <Form.Item label="操作人 ID" name="userId">
          <InputNumber min={1} precision={0} placeholder="账号 id" style={{ width: 120 }} />
        </Form.Item>
        <Form.Item label="操作" name="action">
          <Input allowClear placeholder="如 POST /policy/update" style={{ width: 220 }} />
        </Form.Item>
        <Form.Item label="对象 ID" name="targetId">
          <Input allowClear placeholder="规则、账号或密钥 id" style={{ width: 160 }} />
        </Form.Item>
        <Form.Item label="时间" name="range">
          <DatePicker.RangePicker showTime allowEmpty={[true, true]} />
        </Form.Item>
        <Form.Item>
          <Space>
            <Button type="primary" onClick={search}>
              查询
            </Button>
            <Button
              onClick={() => {
                form.resetFields();
                search();
              }}
            >
              重置
            </Button>
          </Space>
        </Form.Item>
      </Form>
      <Table<AuditEntry>
        rowKey="id"
        columns={columns}
        dataSource={result?.data ?? []}
        loading={loading}
        scroll={{ x: 1000 }}
        locale={{ emptyText: '没有记录' }}
        expandable={{
          columnTitle: '详情',
          expandedRowRender: (e) => <ChangeDetail entry={e} />,
        }}
        pagination={{
          current: page,
          pageSize: pagesize,
          total: result?.total ?? 0,
          showSizeChanger: true,
          showTotal: (t) => `共 ${t} 条`,
          onChange: (p, s) => {
            setPage(s !== pagesize ? 1 : p);
            setPagesize(s);
          },
        }}
      />
    </Card>
  );
}
