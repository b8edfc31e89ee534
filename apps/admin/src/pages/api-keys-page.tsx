import { PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import {
  Alert,
  App,
  Button,
  Card,
  DatePicker,
  Form,
  Input,
  Modal,
  Popconfirm,
  Select,
  Space,
  Table,
  Tag,
  Typography,
} from 'antd';
import type { Dayjs } from 'dayjs';
import { useCallback, useState } from 'react';
import { ROLES, type Role } from '@app/contracts';
import { ApiError } from '../api/api-client';
import { useApi } from '../api/api-context';
import type { ApiKey, CreatedApiKey } from '../api/types';
import { ROLE_LABELS } from '../components/admin-layout';
import { useLoaded } from '../components/use-loaded';

interface KeyForm {
  name: string;
  role: Role;
  expiresAt?: Dayjs;
}

/** Whether a key still works: not revoked and not past its expiry (Shanghai wall times). */
function keyState(k: ApiKey, now: string): 'revoked' | 'expired' | 'active' {
  if (k.revokedAt) return 'revoked';
  if (k.expiresAt && k.expiresAt <= now) return 'expired';
  return 'active';
}

/** API 密钥: keys for machines (admin only) — shown once at creation, revocable. */
export function ApiKeysPage() {
  const api = useApi();
  const { message } = App.useApp();
  const listAll = useCallback(() => api.apiKeys(), [api]);
  const { data: keys, loading, error, reload: load } = useLoaded<ApiKey[]>(listAll, []);
  const [creating, setCreating] = useState(false);
  const [saving, setSaving] = useState(false);
  const [created, setCreated] = useState<CreatedApiKey>();
  const [form] = Form.useForm<KeyForm>();

  const create = async () => {
    const values = await form.validateFields();
    setSaving(true);
    try {
      const key = await api.createApiKey({
        name: values.name,
        role: values.role,
        expiresAt: values.expiresAt?.format('YYYY-MM-DD HH:mm:ss'),
      });
      setCreating(false);
      setCreated(key);
      await load();
    } catch (e) {
      const details = e instanceof ApiError ? e.details : [];
      const known = details.filter((d) => ['name', 'role', 'expiresAt'].includes(d.field));
      if (known.length)
        form.setFields(known.map((d) => ({ name: d.field as keyof KeyForm, errors: [d.message] })));
      else message.error((e as Error).message);
    } finally {
      setSaving(false);
    }
  };

  const revoke = async (k: ApiKey) => {
    try {
      await api.revokeApiKey(k.id);
      message.success(`已吊销 ${k.name}`);
      await load();
    } catch (e) {
      message.error((e as Error).message);
    }
  };

  // The API's times are Shanghai wall times; the browser's clock decides only the label.
  const now = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
  return (
    <Card
      title="API 密钥"
      extra={
        <Space>
          <Button icon={<ReloadOutlined />} onClick={() => void load()}>
            刷新
          </Button>
          <Button
            type="primary"
            icon={<PlusOutlined />}
            onClick={() => {
              form.resetFields();
              form.setFieldsValue({ role: 'viewer' });
              setCreating(true);
            }}
          >
            新建密钥
          </Button>
        </Space>
      }
    >
      <Typography.Paragraph type="secondary">
        给脚本与其他系统用的密钥，以{' '}
        <Typography.Text code>Authorization: Bearer 密钥</Typography.Text> 调用
        API，权限同其角色，操作记在创建人名下。密钥只在创建时显示一次，服务端只保存其哈希。
      </Typography.Paragraph>
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} />}
      <Table<ApiKey>
        rowKey="id"
        loading={loading}
        dataSource={keys}
        pagination={false}
        columns={[
          { title: '用途', dataIndex: 'name' },
          {
            title: '前缀',
            dataIndex: 'prefix',
            render: (p: string) => <Typography.Text code>{p}…</Typography.Text>,
          },
          {
            title: '角色',
            dataIndex: 'role',
            render: (r: Role) => <Tag color="blue">{ROLE_LABELS[r]}</Tag>,
          },
          { title: '创建人', dataIndex: 'createdBy' },
          { title: '创建时间', dataIndex: 'createdAt' },
          {
            title: '过期时间',
            dataIndex: 'expiresAt',
            render: (t: string | null) => t ?? '不过期',
          },
          {
            title: '状态',
            key: 'state',
            render: (_, k) => {
              const state = keyState(k, now);
              if (state === 'revoked') return <Tag color="red">已吊销</Tag>;
              if (state === 'expired') return <Tag>已过期</Tag>;
              return <Tag color="green">有效</Tag>;
            },
          },
          {
            title: '操作',
            key: 'actions',
            render: (_, k) =>
              k.revokedAt ? null : (
                <Popconfirm
                  title={`吊销 ${k.name}？`}
                  description="使用它的系统立即无法调用"
                  okButtonProps={{ danger: true }}
                  onConfirm={() => void revoke(k)}
                >
                  <Button type="link" size="small" danger>
                    吊销
                  </Button>
                </Popconfirm>
              ),
          },
        ]}
      />
      <Modal
        title="新建 API 密钥"
        open={creating}
        onCancel={() => setCreating(false)}
        onOk={() => void create()}
        confirmLoading={saving}
        okText="创建"
        destroyOnHidden
      >
        <Form form={form} layout="vertical" preserve={false}>
          <Form.Item
            name="name"
            label="用途"
            rules={[
              { required: true, message: '请输入用途' },
              { max: 64, message: '最多 64 个字符' },
            ]}
          >
            <Input placeholder="如：BI 导出" />
          </Form.Item>
          <Form.Item name="role" label="角色" rules={[{ required: true }]}>
            <Select
              options={ROLES.map((r) => ({ value: r, label: `${ROLE_LABELS[r]}（${r}）` }))}
            />
          </Form.Item>
          <Form.Item name="expiresAt" label="过期时间（不填则不过期）">
            <DatePicker showTime style={{ width: '100%' }} />
          </Form.Item>
        </Form>
      </Modal>
      <Modal
        title="密钥已创建"
        open={created !== undefined}
        destroyOnHidden
        onCancel={() => setCreated(undefined)}
        footer={
          <Button type="primary" onClick={() => setCreated(undefined)}>
            我已保存
          </Button>
        }
      >
        <Alert
          type="warning"
          showIcon
          message="请立即复制保存：关闭后无法再次查看此密钥"
          style={{ marginBottom: 12 }}
        />
        <Typography.Paragraph copyable={{ text: created?.key }} data-testid="created-api-key">
          <Typography.Text code>{created?.key}</Typography.Text>
        </Typography.Paragraph>
      </Modal>
    </Card>
  );
}
