import { PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import {
  Alert,
  App,
  Button,
  Card,
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
import { useCallback, useState } from 'react';
import { ROLES, type Role } from '@app/contracts';
import { ApiError } from '../api/api-client';
import { useApi } from '../api/api-context';
import type { Account } from '../api/types';
import { useMe } from '../auth/me-context';
import { ROLE_LABELS } from '../components/admin-layout';
import { useLoaded } from '../components/use-loaded';

const ROLE_OPTIONS = ROLES.map((r) => ({ value: r, label: `${ROLE_LABELS[r]}（${r}）` }));

interface UserForm {
  username: string;
  displayName?: string;
  password?: string;
  role: Role;
}

/** The API's field errors on the form's fields; anything else as one message. */
function showErrors(
  form: ReturnType<typeof Form.useForm<UserForm>>[0],
  e: unknown,
  fallback: (text: string) => void,
) {
  const details = e instanceof ApiError ? e.details : [];
  const known = details.filter((d) =>
    ['username', 'displayName', 'password', 'role'].includes(d.field),
  );
  if (known.length)
    form.setFields(known.map((d) => ({ name: d.field as keyof UserForm, errors: [d.message] })));
  else fallback(e instanceof Error ? e.message : String(e));
}

/** 用户: named accounts (admin only) — create, change role or password, disable. */
export function UsersPage() {
  const api = useApi();
  const me = useMe();
  const { message } = App.useApp();
  const listAll = useCallback(() => api.users(), [api]);
  const { data: users, loading, error, reload: load } = useLoaded<Account[]>(listAll, []);
  const [editing, setEditing] = useState<Account | 'new' | null>(null);
  const [saving, setSaving] = useState(false);
  const [form] = Form.useForm<UserForm>();

  const open = (target: Account | 'new') => {
    form.resetFields();
    if (target !== 'new')
      form.setFieldsValue({
        username: target.username,
        displayName: target.displayName,
        role: target.role,
      });
    else form.setFieldsValue({ role: 'viewer' });
    setEditing(target);
  };

  const save = async () => {
    const values = await form.validateFields();
    setSaving(true);
    try {
      if (editing === 'new') {
        await api.createUser({
          username: values.username,
          displayName: values.displayName || undefined,
          password: values.password ?? '',
          role: values.role,
        });
        message.success(`已创建用户 ${values.username}`);
      } else if (editing) {
        await api.updateUser({
          id: editing.id,
          displayName: values.displayName || undefined,
          password: values.password || undefined,
          role: values.role,
        });
        message.success(values.password ? '已保存，该用户需用新密码重新登录' : '已保存');
      }
      setEditing(null);
      await load();
    } catch (e) {
      showErrors(form, e, (text) => message.error(text));
    } finally {
      setSaving(false);
    }
  };

  const toggle = async (user: Account) => {
    try {
      await api.setUserDisabled(user.id, !user.disabled);
      message.success(user.disabled ? `已启用 ${user.username}` : `已停用 ${user.username}`);
      await load();
    } catch (e) {
      message.error((e as Error).message);
    }
  };

  const creating = editing === 'new';
  return (
    <Card
      title="用户"
      extra={
        <Space>
          <Button icon={<ReloadOutlined />} onClick={() => void load()}>
            刷新
          </Button>
          <Button type="primary" icon={<PlusOutlined />} onClick={() => open('new')}>
            新建用户
          </Button>
        </Space>
      }
    >
      <Typography.Paragraph type="secondary">
        每人一个账号：只读可查看规则与效果；编辑可新建、修改规则（需审批）、导入；审批可审批、暂停、触发、取消与重发；管理员另可管理用户、API
        密钥与触达策略。停用或改密码会立即结束该用户在所有实例上的会话。
      </Typography.Paragraph>
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} />}
      <Table<Account>
        rowKey="id"
        loading={loading}
        dataSource={users}
        pagination={false}
        columns={[
          { title: '登录名', dataIndex: 'username' },
          { title: '显示名', dataIndex: 'displayName' },
          {
            title: '角色',
            dataIndex: 'role',
            render: (r: Role) => <Tag color="blue">{ROLE_LABELS[r]}</Tag>,
          },
          {
            title: '状态',
            dataIndex: 'disabled',
            render: (d: boolean) =>
              d ? <Tag color="red">已停用</Tag> : <Tag color="green">正常</Tag>,
          },
          {
            title: '最近登录',
            dataIndex: 'lastLoginAt',
            render: (t: string | null) => t ?? '从未',
          },
          { title: '创建时间', dataIndex: 'createdAt' },
          {
            title: '操作',
            key: 'actions',
            render: (_, user) => {
              const self = me?.via === 'session' && me.username === user.username;
              return (
                <Space>
                  <Button type="link" size="small" onClick={() => open(user)}>
                    编辑
                  </Button>
                  <Popconfirm
                    title={user.disabled ? `启用 ${user.username}？` : `停用 ${user.username}？`}
                    description={user.disabled ? undefined : '其所有会话立即结束'}
                    onConfirm={() => void toggle(user)}
                    disabled={self}
                  >
                    <Button type="link" size="small" danger={!user.disabled} disabled={self}>
                      {user.disabled ? '启用' : '停用'}
                    </Button>
                  </Popconfirm>
                </Space>
              );
            },
          },
        ]}
      />
      <Modal
        title={typeof editing === 'object' && editing ? `编辑用户 ${editing.username}` : '新建用户'}
        open={editing !== null}
        onCancel={() => setEditing(null)}
        onOk={() => void save()}
        confirmLoading={saving}
        okText="保存"
        destroyOnHidden
      >
        <Form form={form} layout="vertical" preserve={false}>
          <Form.Item
            name="username"
            label="登录名"
            rules={[
              { required: true, message: '请输入登录名' },
              { pattern: /^[A-Za-z0-9._@-]{3,64}$/, message: '3–64 位字母、数字或 . _ @ -' },
            ]}
          >
            <Input disabled={!creating} autoComplete="off" />
          </Form.Item>
          <Form.Item name="displayName" label="显示名" rules={[{ max: 64 }]}>
            <Input placeholder="默认同登录名" />
          </Form.Item>
          <Form.Item
            name="password"
            label={creating ? '初始密码' : '新密码（不改请留空）'}
            rules={creating ? [{ required: true, message: '请输入密码' }] : []}
            extra="至少 12 个字符，不含登录名，至少 5 种不同字符"
          >
            <Input.Password autoComplete="new-password" />
          </Form.Item>
          <Form.Item name="role" label="角色" rules={[{ required: true }]}>
            <Select options={ROLE_OPTIONS} />
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}
