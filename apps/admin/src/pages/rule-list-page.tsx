import { DiffOutlined, PlusOutlined, SearchOutlined } from '@ant-design/icons';
import {
  App,
  Button,
  Card,
  DatePicker,
  Form,
  Input,
  Popconfirm,
  Space,
  Switch,
  Table,
  Tag,
  type TableColumnsType,
} from 'antd';

import dayjs, { type Dayjs } from 'dayjs';
import { useCallback, useEffect, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { useApi } from '../api/api-context';
import { useCan } from '../auth/me-context';
import type { PushRuleListItem, PushRuleListPage } from '../api/types';
import { TestSendButton } from '../components/test-send-button';
import { MAX_COMPARE } from '../effect/analysis';

interface SearchValues {
  searchText?: string;
  created?: [Dayjs, Dayjs];
}

const DATE = 'YYYY-MM-DD';

/** 推送列表: search, creation-date filter and paging as the API does, kept in the URL. */
export function RuleListPage() {
  const canEdit = useCan('editor');
  const canApprove = useCan('approver');
  const api = useApi();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const [form] = Form.useForm<SearchValues>();
  const [result, setResult] = useState<PushRuleListPage>();
  const [loading, setLoading] = useState(false);
  const [busyId, setBusyId] = useState<number>();
  // Rules ticked for 规则对比, kept across pages and searches.
  const [picked, setPicked] = useState<number[]>([]);

  const searchText = params.get('q') ?? '';
  const startTime = params.get('from') ?? '';
  const endTime = params.get('to') ?? '';
  const page = Number(params.get('page') ?? 1) || 1;
  const pagesize = Number(params.get('size') ?? 10) || 10;

  const load = useCallback(async () => {
    setLoading(true);
    try {
      setResult(
        await api.listRules({
          searchText: searchText || undefined,
          startTime: startTime || undefined,
          endTime: endTime || undefined,
          page,
          pagesize,
        }),
      );
    } catch (e) {
      message.error(`加载列表失败：${(e as Error).message}`);
    } finally {
      setLoading(false);
    }
  }, [api, message, searchText, startTime, endTime, page, pagesize]);

  useEffect(() => {
    void load();
  }, [load]);

  useEffect(() => {
    form.setFieldsValue({
      searchText,
      created: startTime && endTime ? [dayjs(startTime), dayjs(endTime)] : undefined,
    });
  }, [form, searchText, startTime, endTime]);

  const search = (v: SearchValues) => {
    const next = new URLSearchParams();
    if (v.searchText?.trim()) next.set('q', v.searchText.trim());
    if (v.created) {
      next.set('from', v.created[0].format(DATE));
      next.set('to', v.created[1].format(DATE));
    }
    next.set('size', String(pagesize));
    setParams(next);
  };

  const setStatus = async (row: PushRuleListItem, active: boolean) => {
    setBusyId(row.id);
    try {
      await api.setStatus(row.id, active ? 0 : 1);
      message.success(active ? `「${row.name}」已启用` : `「${row.name}」已暂停`);
      await load();
    } catch (e) {
      message.error(`修改状态失败：${(e as Error).message}`);
    } finally {
      setBusyId(undefined);
    }
  };

  const remove = async (row: PushRuleListItem) => {
    try {
      await api.deleteRule(row.id);
      message.success(`「${row.name}」已删除`);
      const lastOnPage = result?.data.length === 1 && page > 1;
      if (lastOnPage) {
        const next = new URLSearchParams(params);
        next.set('page', String(page - 1));
        setParams(next);
      } else await load();
    } catch (e) {
      message.error(`删除失败：${(e as Error).message}`);
    }
  };

  const columns: TableColumnsType<PushRuleListItem> = [
    { title: 'ID', dataIndex: 'id', width: 70 },
    {
      title: '推送名称',
      dataIndex: 'name',
      render: (name: string, row) => <Link to={`/rules/${row.id}/edit`}>{name}</Link>,
    },
    { title: '有效期', dataIndex: 'usefulTime', width: 210 },
    { title: '创建时间', dataIndex: 'createTime', width: 170 },
    {
      title: '状态',
      dataIndex: 'status',
      width: 220,
      render: (status: number, row) => (
        <Space>
          <Switch
            size="small"
            checked={status === 0}
            disabled={!canApprove}
            loading={busyId === row.id}
            aria-label={`切换「${row.name}」的状态`}
            onChange={(checked) => void setStatus(row, checked)}
          />
          {status === 0 ? <Tag color="green">进行中</Tag> : <Tag>已暂停</Tag>}
          {row.pendingVersion !== null && (
            <Link to="/approvals">
              <Tag color="orange">待审批</Tag>
            </Link>
          )}
        </Space>
      ),
    },
    {
      title: '操作',
      key: 'actions',
      width: 340,
      render: (_: unknown, row) => (
        <Space size={4} wrap>
          <Link to={`/rules/${row.id}/edit`}>{canEdit ? '编辑' : '查看'}</Link>
          <Link to={`/rules/${row.id}/runs`}>执行记录</Link>
          <Link to={`/effect?name=${encodeURIComponent(row.name)}`}>推送效果</Link>
          {canEdit && <TestSendButton id={row.id} name={row.name} size="small" />}
          {canApprove && (
            <Popconfirm
              title={`删除「${row.name}」？`}
              description="删除后不再执行，列表中不再显示。"
              okText="删除"
              okButtonProps={{ danger: true }}
              cancelText="取消"
              onConfirm={() => remove(row)}
            >
              <Button type="link" danger size="small">
                删除
              </Button>
            </Popconfirm>
          )}
        </Space>
      ),
    },
  ];

  return (
    <Card
      title="推送列表"
      extra={
        <Space wrap className="rule-list-actions">
          <Button
            icon={<DiffOutlined />}
            disabled={picked.length === 0}
            onClick={() => navigate(`/compare?ids=${picked.join(',')}`)}
          >
            对比所选{picked.length > 0 ? `（${picked.length}）` : ''}
          </Button>
          {canEdit && (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => navigate('/rules/new')}>
              新建推送
            </Button>
          )}
        </Space>
      }
    >
      <Form form={form} layout="inline" className="rule-search">
        <Form.Item name="searchText" label="推送名称">
          <Input
            placeholder="按名称搜索"
            allowClear
            style={{ width: 200 }}
            onPressEnter={() => search(form.getFieldsValue())}
          />
        </Form.Item>
        <Form.Item name="created" label="创建日期">
          <DatePicker.RangePicker allowClear />
        </Form.Item>
        <Form.Item>
          <Space>
            <Button
              type="primary"
              icon={<SearchOutlined />}
              onClick={() => search(form.getFieldsValue())}
            >
              查询
            </Button>
            <Button
              onClick={() => {
                form.resetFields();
                setParams(new URLSearchParams());
              }}
            >
              重置
            </Button>
          </Space>
        </Form.Item>
      </Form>
      <Table<PushRuleListItem>
        rowKey="id"
        columns={columns}
        rowSelection={{
          selectedRowKeys: picked,
          preserveSelectedRowKeys: true,
          hideSelectAll: true,
          onChange: (keys) => setPicked(keys.map(Number)),
          getCheckboxProps: (row) => ({
            disabled: picked.length >= MAX_COMPARE && !picked.includes(row.id),
            'aria-label': `选择「${row.name}」进行对比`,
          }),
        }}
        dataSource={result?.data ?? []}
        loading={loading}
        scroll={{ x: 900 }}
        pagination={{
          current: result?.page ?? page,
          pageSize: result?.pagesize ?? pagesize,
          total: result?.total ?? 0,
          showSizeChanger: true,
          pageSizeOptions: [10, 20, 50, 100],
          showTotal: (total) => `共 ${total} 条`,
          onChange: (p, size) => {
            const next = new URLSearchParams(params);
            next.set('page', String(size !== pagesize ? 1 : p));
            next.set('size', String(size));
            setParams(next);
          },
        }}
      />
    </Card>
  );
}
