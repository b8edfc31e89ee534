import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Form, Input, Skeleton, Space, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { ApiError } from '../api/api-client';
import { useApi } from '../api/api-context';
import { useCan } from '../auth/me-context';
import type { FieldError, TestGroup, TestGroupMemberInput } from '../api/types';

interface FormValues {
  members: TestGroupMemberInput[];
}

/** `members[3].externalUserId` → the form field `['members', 3, 'externalUserId']`. */
const toFieldName = (field: string): ['members', number, 'externalUserId' | 'name'] | null => {
  const m = field.match(/^members\[(\d+)\]\.(externalUserId|name)$/);
  return m ? ['members', Number(m[1]), m[2] as 'externalUserId' | 'name'] : null;
};

/**
 * 测试组: the internal WeCom contacts a test send reaches instead of the audience (at most
 * 50). Editors read it; an admin changes it (the API refuses anyone else).
 */
export function TestGroupPage() {
  const api = useApi();
  const isAdmin = useCan('admin');
  const { message } = App.useApp();
  const [form] = Form.useForm<FormValues>();
  const [group, setGroup] = useState<TestGroup>();
  const [loadError, setLoadError] = useState<string>();
  const [saving, setSaving] = useState(false);
  const [banner, setBanner] = useState<string>();

  const show = useCallback(
    (g: TestGroup) => {
      setGroup(g);
      form.setFieldsValue({
        members: g.members.map((m) => ({ externalUserId: m.externalUserId, name: m.name })),
      });
    },
    [form],
  );

  useEffect(() => {
    api.testGroup().then(show, (e: unknown) => setLoadError((e as Error).message));
  }, [api, show]);

  const members = Form.useWatch('members', form) ?? [];
  const limit = group?.limit ?? 50;

  const save = async () => {
    setBanner(undefined);
    let values: FormValues;
    try {
      values = await form.validateFields();
    } catch {
      return;
    }
    setSaving(true);
    try {
      show(
        await api.updateTestGroup(
          (values.members ?? []).map((m) => ({
            externalUserId: m.externalUserId.trim(),
            ...(m.name?.trim() ? { name: m.name.trim() } : {}),
          })),
        ),
      );
      message.success('测试组已保存');
    } catch (e) {
      const details: FieldError[] = e instanceof ApiError ? e.details : [];
      const onFields = details.flatMap((d) => {
        const name = toFieldName(d.field);
        return name ? [{ name, errors: [d.message] }] : [];
      });
      form.setFields(onFields);
      if (onFields.length < details.length || details.length === 0) {
        setBanner(`保存失败：${(e as Error).message}`);
      }
    } finally {
      setSaving(false);
    }
  };

  if (loadError) {
    return <Alert type="error" showIcon message="无法加载测试组" description={loadError} />;
  }

  return (
    <Card
      title="测试组"
      extra={
        <Typography.Text type="secondary">
          {members.length} / {limit} 人
        </Typography.Text>
      }
    >
      <Skeleton active loading={!group}>
        <Typography.Paragraph type="secondary">
          在推送列表或编辑页点「测试发送」，推送内容（含每个内容变体，各一条）只发给这里的内部企业微信联系人；测试发送不经触达策略，不计入推送统计。仅管理员可修改。
        </Typography.Paragraph>
        {banner && <Alert type="error" showIcon message={banner} style={{ marginBottom: 16 }} />}
        <Form<FormValues>
          form={form}
          layout="inline"
          initialValues={{ members: [] }}
          disabled={!isAdmin}
        >
          <Form.List name="members">
            {(fields, { add, remove }) => (
              <Space direction="vertical" style={{ width: '100%' }}>
                {fields.map((field, i) => (
                  <Space key={field.key} align="start" wrap>
                    <Form.Item
                      name={[field.name, 'externalUserId']}
                      rules={[
                        { required: true, whitespace: true, message: '请填写 external_userid' },
                        { max: 128, message: '至多 128 个字符' },
                        { pattern: /^\s*[\w-]*\s*$/, message: '只能包含字母、数字、_ 和 -' },
                      ]}
                    >
                      <Input
                        placeholder="external_userid"
                        aria-label={`成员 ${i + 1} 的 external_userid`}
                        style={{ width: 320 }}
                      />
                    </Form.Item>
                    <Form.Item
                      name={[field.name, 'name']}
                      rules={[{ max: 64, message: '至多 64 个字符' }]}
                    >
                      <Input
                        placeholder="备注名（谁的手机）"
                        aria-label={`成员 ${i + 1} 的备注名`}
                        style={{ width: 200 }}
                      />
                    </Form.Item>
                    <Button
                      type="text"
                      danger
                      icon={<DeleteOutlined />}
                      aria-label={`移除成员 ${i + 1}`}
                      onClick={() => remove(field.name)}
                    />
                  </Space>
                ))}
                {isAdmin && (
                  <Space>
                    <Button
                      icon={<PlusOutlined />}
                      disabled={fields.length >= limit}
                      onClick={() => add({ externalUserId: '', name: '' })}
                    >
                      添加成员
                    </Button>
                    <Button type="primary" loading={saving} onClick={() => void save()}>
                      保存测试组
                    </Button>
                  </Space>
                )}
              </Space>
            )}
          </Form.List>
        </Form>
      </Skeleton>
    </Card>
  );
}
