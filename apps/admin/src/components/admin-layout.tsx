import {
  AuditOutlined,
  BarChartOutlined,
  DiffOutlined,
  ImportOutlined,
  LogoutOutlined,
  PlusOutlined,
  SafetyOutlined,
  StopOutlined,
  TeamOutlined,
  UnorderedListOutlined,
} from '@ant-design/icons';
import { Button, Layout, Menu } from 'antd';
import { Outlet, useLocation, useNavigate } from 'react-router-dom';

export function AdminLayout({ onLogout }: { onLogout: () => void }) {
  const navigate = useNavigate();
  const { pathname } = useLocation();
  const selected = [
    '/rules/new',
    '/effect',
    '/compare',
    '/policy',
    '/suppression',
    '/import',
    '/contacts',
    '/approvals',
  ].includes(pathname)
    ? pathname
    : '/rules';
  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Header className="admin-header">
        <span className="admin-brand">精准推送</span>
        <Menu
          theme="dark"
          mode="horizontal"
          selectedKeys={[selected]}
          onClick={({ key }) => navigate(key)}
          items={[
            { key: '/rules', icon: <UnorderedListOutlined />, label: '推送列表' },
            { key: '/rules/new', icon: <PlusOutlined />, label: '新建推送' },
            { key: '/approvals', icon: <AuditOutlined />, label: '待审批' },
            { key: '/effect', icon: <BarChartOutlined />, label: '推送效果' },
            { key: '/compare', icon: <DiffOutlined />, label: '规则对比' },
            { key: '/policy', icon: <SafetyOutlined />, label: '触达策略' },
            { key: '/suppression', icon: <StopOutlined />, label: '勿扰名单' },
            { key: '/import', icon: <ImportOutlined />, label: '订单导入' },
            { key: '/contacts', icon: <TeamOutlined />, label: '客户同步' },
          ]}
        />
        <Button type="text" style={{ color: '#fff' }} icon={<LogoutOutlined />} onClick={onLogout}>
          退出
        </Button>
      </Layout.Header>
      <Layout.Content className="admin-content">
        <Outlet />
      </Layout.Content>
    </Layout>
  );
}
