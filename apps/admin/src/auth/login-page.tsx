import { LockOutlined, UserOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Form, Input, Tabs, Typography } from 'antd';
import { useState } from 'react';
import { useLocation } from 'react-router-dom';
import { ApiError } from '../api/api-client';
import { useApi } from '../api/api-context';
import type { Credential, LoginState } from '../admin-app';

/**
 * Signs in with an operator token (checked against the API, kept for the tab's session) or
 * with user name and password (a session cookie; its CSRF token is kept instead).
 */
export function LoginPage({
  onLogin,
}: {
  onLogin: (credential: Credential, from?: string) => void;
}) {
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
      onLogin({ token: t }, state.from);
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

  const signIn = async ({ username, password }: { username: string; password: string }) => {
    setBusy(true);
    setError(undefined);
    try {
      const me = await api.signIn(username.trim(), password);
      onLogin({ csrfToken: me.csrfToken ?? '' }, state.from);
    } catch (e) {
      // The API's own message: wrong credentials, or locked for a while after repeated failures.
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  const tokenForm = (
    <Form layout="vertical" onFinish={submit} requiredMark={false}>
      <Form.Item
        label="运营令牌"
        name="token"
        rules={[{ required: true, whitespace: true, message: '请输入运营令牌' }]}
        extra="API 密钥或 ADMIN_TOKENS 中的令牌；仅保存在本浏览器标签页的会话中。"
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
  );

  const accountForm = (
    <Form layout="vertical" onFinish={signIn} requiredMark={false}>
      <Form.Item
        label="用户名"
        name="username"
        rules={[{ required: true, whitespace: true, message: '请输入用户名' }]}
      >
        <Input prefix={<UserOutlined />} placeholder="请输入用户名" autoComplete="username" />
      </Form.Item>
      <Form.Item label="密码" name="password" rules={[{ required: true, message: '请输入密码' }]}>
        <Input.Password
          prefix={<LockOutlined />}
          placeholder="请输入密码"
          autoComplete="current-password"
        />
      </Form.Item>
      <Button type="primary" htmlType="submit" block loading={busy}>
        登录
      </Button>
    </Form>
  );

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
        <Tabs
          onChange={() => setError(undefined)}
          items={[
            { key: 'token', label: '运营令牌', children: tokenForm },
            { key: 'account', label: '账号密码', children: accountForm },
          ]}
        />
        <Typography.Paragraph type="secondary" style={{ marginTop: 16, marginBottom: 0 }}>
          开发环境未配置 ADMIN_TOKENS 时，令牌为 dev-operator-token。
        </Typography.Paragraph>
      </Card>
    </div>
  );
}
