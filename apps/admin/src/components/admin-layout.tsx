import {
  AuditOutlined,
  BarChartOutlined,
  CheckSquareOutlined,
  DiffOutlined,
  ExperimentOutlined,
  KeyOutlined,
  ImportOutlined,
  LogoutOutlined,
  PlusOutlined,
  SafetyOutlined,
  StopOutlined,
  TeamOutlined,
  UnorderedListOutlined,
  UserOutlined,
} from '@ant-design/icons';
import { Button, Layout, Menu, Tag } from 'antd';
import type { ReactNode } from 'react';
import { Outlet, useLocation, useNavigate } from 'react-router-dom';
import { type Role, roleIncludes } from '@app/contracts';
import { useMe } from '../auth/me-context';

type Page = { key: string; icon: ReactNode; label: string; role: Role };

/**
 * The console's pages in the side menu, by group, each with the least role that may open it
 * (docs/SECURITY.md); a role sees only its pages, and a group only when one is left.
 */
const GROUPS: { label: string; pages: Page[] }[] = [
  {
    label: '推送',
    pages: [
      { key: '/rules', icon: <UnorderedListOutlined />, label: '推送列表', role: 'viewer' },
      { key: '/rules/new', icon: <PlusOutlined />, label: '新建推送', role: 'editor' },
      { key: '/approvals', icon: <CheckSquareOutlined />, label: '待审批', role: 'viewer' },
      { key: '/testgroup', icon: <ExperimentOutlined />, label: '测试组', role: 'editor' },
    ],
  },
  {
    label: '效果',
    pages: [
      { key: '/effect', icon: <BarChartOutlined />, label: '推送效果', role: 'viewer' },
      { key: '/compare', icon: <DiffOutlined />, label: '规则对比', role: 'viewer' },
    ],
  },
  {
    label: '客户与数据',
    pages: [
      { key: '/policy', icon: <SafetyOutlined />, label: '触达策略', role: 'viewer' },
      { key: '/suppression', icon: <StopOutlined />, label: '勿扰名单', role: 'viewer' },
      { key: '/import', icon: <ImportOutlined />, label: '订单导入', role: 'viewer' },
      { key: '/contacts', icon: <TeamOutlined />, label: '客户同步', role: 'viewer' },
    ],
  },
  {
    label: '团队',
    pages: [
      { key: '/users', icon: <UserOutlined />, label: '用户', role: 'admin' },
      { key: '/apikeys', icon: <KeyOutlined />, label: 'API 密钥', role: 'admin' },
      { key: '/audit', icon: <AuditOutlined />, label: '操作日志', role: 'admin' },
    ],
  },
];

export const ROLE_LABELS: Record<Role, string> = {
  viewer: '只读',
  editor: '编辑',
  approver: '审批',
  admin: '管理员',
};

export function AdminLayout({ onLogout }: { onLogout: () => void }) {
  const navigate = useNavigate();
  const { pathname } = useLocation();
  const me = useMe();
  const groups = GROUPS.map((g) => ({
    ...g,
    pages: g.pages.filter((p) => me && roleIncludes(me.role, p.role)),
  })).filter((g) => g.pages.length > 0);
  const keys = groups.flatMap((g) => g.pages.map((p) => p.key));
  const selected = keys.includes(pathname) ? pathname : '/rules';
  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Header className="admin-header">
        <span className="admin-brand">精准推送</span>
        <span className="admin-header-space" />
        {me && (
          <span className="admin-me" data-testid="admin-me">
            {me.displayName ?? me.username ?? `操作员 ${me.operatorId}`}
            <Tag color="blue" style={{ marginLeft: 8 }}>
              {ROLE_LABELS[me.role]}
            </Tag>
          </span>
        )}
        <Button type="text" style={{ color: '#fff' }} icon={<LogoutOutlined />} onClick={onLogout}>
          退出
        </Button>
      </Layout.Header>
      <Layout>
        {/* On a phone the menu folds away behind antd's trigger (no horizontal overflow). */}
        <Layout.Sider theme="light" width={168} breakpoint="lg" collapsedWidth={0}>
          <Menu
            mode="inline"
            className="admin-menu"
            selectedKeys={[selected]}
            onClick={({ key }) => navigate(key)}
            items={groups.map((g) => ({
              type: 'group' as const,
              key: g.label,
              label: g.label,
              children: g.pages.map(({ key, icon, label }) => ({ key, icon, label })),
            }))}
          />
        </Layout.Sider>
        <Layout.Content className="admin-content">
          <Outlet />
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
