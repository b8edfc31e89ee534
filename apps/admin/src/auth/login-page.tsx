import { LockOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Form, Input, Typography } from 'antd';
import { useState } from 'react';
import { useLocation } from 'react-router-dom';
import { ApiError } from '../api/api-client';
import { useApi } from '../api/api-context';
import type { LoginState } from '../admin-app';

/** Takes the operator token, checks it against the API, and keeps it for the session. */
export function LoginPage({ onLogin }: { onLogin: (token: string, from?: string) => void }) {
  const api = useApi();
  const state = (useLocation().state ?? {}) as LoginState;
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async ({ token }: { token: string }) => {
    const t = token.trim();
    setBusy(true);
    setError(undefined);
    try {
      await api.checkToken(t);
      onLogin(t, state.from);
    } catch (e) {
      setError(
        e instanceof ApiError && e.status === 401
          ? '令牌无效，请检查后重试'
          : e instanceof Error
            ? e.message
            : String(e),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="login-page">
      <Card className="login-card" title="企业微信精准推送 · 运营后台">
        {state.expired && !error && (
          <Alert
            style={{ marginBottom: 16 }}
            type="warning"
            showIcon
            message="登录已失效，请重新输入运营令牌"
          />
        )}
        {error && <Alert style={{ marginBottom: 16 }} type="error" showIcon message={error} />}
        <Form layout="vertical" onFinish={submit} requiredMark={false}>
          <Form.Item
            label="运营令牌"
            name="token"
            rules={[{ required: true, whitespace: true, message: '请输入运营令牌' }]}
            extra="令牌由管理员通过 ADMIN_TOKENS 配置；仅保存在本浏览器标签页的会话中。"
          >
            <Input.Password
              prefix={<LockOutlined />}
              placeholder="请输入运营令牌"
              autoComplete="current-password"
              autoFocus
            />
          </Form.Item>
          <Button type="primary" htmlType="submit" block loading={busy}>
            登录
          </Button>
        </Form>
        <Typography.Paragraph type="secondary" style={{ marginTop: 16, marginBottom: 0 }}>
          开发环境未配置 ADMIN_TOKENS 时，令牌为 dev-operator-token。
        </Typography.Paragraph>
      </Card>
    </div>
  );
}
