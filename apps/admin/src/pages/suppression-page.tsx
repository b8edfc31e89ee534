import { DeleteOutlined, PlusOutlined, UploadOutlined } from '@ant-design/icons';
import {
  Alert,
  App,
  Button,
  Card,
  Descriptions,
  Form,
  Input,
  Modal,
  Popconfirm,
  Radio,
  Select,
  Space,
  Table,
  Tag,
  Upload,
  type TableColumnsType,
} from 'antd';
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from '../api/api-client';
import { useApi } from '../api/api-context';
import { useCan } from '../auth/me-context';
import type {
  ImportReport,
  ImportRowError,
  SuppressionPage as SuppressionPageData,
  SuppressionSource,
  SuppressionView,
} from '../api/types';
import {
  describeRowError,
  MAX_IDS_PER_CALL,
  notImported,
  parseIdList,
  SUPPRESSION_SOURCES,
} from '../policy/suppression-model';

interface AddValues {
  ids: string;
  reason: string;
  source: 'manual' | 'complaint';
}

const sourceTag = (s: SuppressionSource) => (
  <Tag color={SUPPRESSION_SOURCES[s].color}>{SUPPRESSION_SOURCES[s].label}</Tag>
);

/** 勿扰名单: customers no rule may select — search, add, remove, import from CSV. */
export function SuppressionPage() {
  const canEdit = useCan('editor');
  const api = useApi();
  const { message } = App.useApp();
  const [addForm] = Form.useForm<AddValues>();
  const [searchText, setSearchText] = useState('');
  const [source, setSource] = useState<SuppressionSource>();
  const [page, setPage] = useState(1);
  const [pagesize, setPagesize] = useState(10);
  const [result, setResult] = useState<SuppressionPageData>();
  const [loading, setLoading] = useState(false);
  const [selected, setSelected] = useState<string[]>([]);
  const [adding, setAdding] = useState(false);
  const [addOpen, setAddOpen] = useState(false);
  const [importOpen, setImportOpen] = useState(false);
  const [importReason, setImportReason] = useState('');
  const [importing, setImporting] = useState(false);
  const [report, setReport] = useState<ImportReport>();

  // Only the latest list request may fill the table: an earlier one (say, the reload after
  // an add) answering after a search would show the unfiltered list under the search.
  const latest = useRef(0);
  const load = useCallback(async () => {
    const request = ++latest.current;
    setLoading(true);
    try {
      const data = await api.suppressions({
        searchText: searchText || undefined,
        source,
        page,
        pagesize,
      });
      if (request === latest.current) setResult(data);
    } catch (e) {
      if (request === latest.current) message.error(`加载勿扰名单失败：${(e as Error).message}`);
    } finally {
      if (request === latest.current) setLoading(false);
    }
  }, [api, message, searchText, source, page, pagesize]);

  useEffect(() => {
    void load();
  }, [load]);

  const add = async () => {
    const v = addForm.getFieldsValue(true) as AddValues;
    const ids = parseIdList(v.ids ?? '');
    const problem =
      ids.length === 0
        ? '请至少填写一个 external_userid'
        : ids.length > MAX_IDS_PER_CALL
          ? `一次最多 ${MAX_IDS_PER_CALL} 个，请分批添加或使用 CSV 导入`
          : undefined;
    addForm.setFields([{ name: 'ids', errors: problem ? [problem] : [] }]);
    if (problem) return;
    setAdding(true);
    try {
      const r = await api.suppress({
        externalUserIds: ids,
        reason: v.reason?.trim() || undefined,
        source: v.source,
      });
      message.success(
        `已加入 ${r.changed} 人${r.unchanged ? `，${r.unchanged} 人已在名单中` : ''}`,
      );
      setAddOpen(false);
      addForm.resetFields();
      await load();
    } catch (e) {
      const detail = e instanceof ApiError ? e.details[0]?.message : undefined;
      message.error(`加入失败：${(e as Error).message}${detail ? `（${detail}）` : ''}`);
    } finally {
      setAdding(false);
    }
  };

  const remove = async () => {
    try {
      const r = await api.unsuppress(selected);
      message.success(`已移出 ${r.changed} 人`);
      setSelected([]);
      await load();
    } catch (e) {
      message.error(`移出失败：${(e as Error).message}`);
    }
  };

  const runImport = async (file: File) => {
    setImporting(true);
    setReport(undefined);
    try {
      setReport(await api.importSuppressions(file, file.name, importReason.trim() || undefined));
      await load();
    } catch (e) {
      const detail = e instanceof ApiError ? e.details[0]?.message : undefined;
      message.error(`导入失败：${(e as Error).message}${detail ? `（${detail}）` : ''}`);
    } finally {
      setImporting(false);
    }
  };

  const columns: TableColumnsType<SuppressionView> = [
    { title: 'external_userid', dataIndex: 'externalUserId', ellipsis: true },
    { title: '来源', dataIndex: 'source', width: 100, render: sourceTag },
    { title: '原因', dataIndex: 'reason', ellipsis: true, render: (r: string | null) => r ?? '—' },
    {
      title: '添加人',
      dataIndex: 'createdBy',
      width: 110,
      render: (by: number | null) => (by === null ? '—' : `操作员 #${by}`),
    },
    { title: '加入时间', dataIndex: 'createdAt', width: 170 },
  ];

  const errorColumns: TableColumnsType<ImportRowError> = [
    { title: '行号', dataIndex: 'row', width: 70 },
    { title: '内容', dataIndex: 'value', ellipsis: true, render: (v: string) => v || '（空）' },
    { title: '原因', key: 'why', render: (_: unknown, e) => describeRowError(e) },
  ];

  return (
    <Card
      title="勿扰名单"
      extra={
        canEdit && (
          <Space wrap>
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setAddOpen(true)}>
              加入名单
            </Button>
            <Button
              icon={<UploadOutlined />}
              onClick={() => {
                setReport(undefined);
                setImportOpen(true);
              }}
            >
              导入 CSV
            </Button>
          </Space>
        )
      }
    >
      <Alert
        type="info"
        showIcon
        style={{ marginBottom: 16 }}
        message="名单中的客户不会被任何推送选中。删除了导购的客户（不可达）不在此列，系统按企业微信的发送结果自动识别。"
      />
      <Space wrap style={{ marginBottom: 16 }}>
        <Input.Search
          allowClear
          placeholder="搜索 external_userid 或原因"
          style={{ width: 280 }}
          onSearch={(v) => {
            setSearchText(v.trim());
            setPage(1);
          }}
        />
        <Select<SuppressionSource>
          allowClear
          placeholder="全部来源"
          aria-label="来源"
          style={{ width: 140 }}
          value={source}
          onChange={(v) => {
            setSource(v);
            setPage(1);
          }}
          options={(Object.keys(SUPPRESSION_SOURCES) as SuppressionSource[]).map((s) => ({
            value: s,
            label: SUPPRESSION_SOURCES[s].label,
          }))}
        />
        {canEdit && (
          <Popconfirm
            title={`将所选 ${selected.length} 位客户移出勿扰名单？`}
            description="移出后，他们可以再次被推送选中。"
            okText="移出"
            okButtonProps={{ danger: true }}
            cancelText="取消"
            onConfirm={() => remove()}
            disabled={selected.length === 0}
          >
            <Button danger icon={<DeleteOutlined />} disabled={selected.length === 0}>
              移出所选{selected.length ? `（${selected.length}）` : ''}
            </Button>
          </Popconfirm>
        )}
      </Space>
      <Table<SuppressionView>
        rowKey="externalUserId"
        columns={columns}
        dataSource={result?.data ?? []}
        loading={loading}
        scroll={{ x: 800 }}
        locale={{ emptyText: '名单为空' }}
        rowSelection={{
          selectedRowKeys: selected,
          onChange: (keys) => setSelected(keys as string[]),
        }}
        pagination={{
          current: page,
          pageSize: pagesize,
          total: result?.total ?? 0,
          showSizeChanger: true,
          showTotal: (t) => `共 ${t} 人`,
          onChange: (p, s) => {
            setPage(s !== pagesize ? 1 : p);
            setPagesize(s);
          },
        }}
      />

      <Modal
        title="加入勿扰名单"
        open={addOpen}
        okText="加入"
        cancelText="取消"
        confirmLoading={adding}
        onOk={() => void add()}
        onCancel={() => setAddOpen(false)}
        forceRender
      >
        <Form<AddValues>
          form={addForm}
          layout="vertical"
          initialValues={{ ids: '', reason: '', source: 'manual' }}
        >
          <Form.Item label="external_userid" name="ids" extra="每行一个，或用逗号分隔">
            <Input.TextArea rows={6} placeholder={'wmXXXX1\nwmXXXX2'} />
          </Form.Item>
          <Form.Item label="原因" name="reason">
            <Input maxLength={255} placeholder="例如：客户电话要求不再推送" />
          </Form.Item>
          <Form.Item label="来源" name="source">
            <Radio.Group
              optionType="button"
              options={[
                { value: 'manual', label: SUPPRESSION_SOURCES.manual.label },
                { value: 'complaint', label: SUPPRESSION_SOURCES.complaint.label },
              ]}
            />
          </Form.Item>
        </Form>
      </Modal>

      <Modal
        title="从 CSV 导入勿扰名单"
        open={importOpen}
        footer={<Button onClick={() => setImportOpen(false)}>关闭</Button>}
        onCancel={() => setImportOpen(false)}
        width={640}
      >
        <Space direction="vertical" style={{ width: '100%' }}>
          <Alert
            type="info"
            message="每行一个 external_userid，可选第二列为原因，可以有表头。已在名单中的客户保持原记录。"
          />
          <Input
            placeholder="原因（CSV 没有原因列时使用，可不填）"
            aria-label="导入原因"
            maxLength={255}
            value={importReason}
            onChange={(e) => setImportReason(e.target.value)}
          />
          <Upload
            accept=".csv,text/csv"
            showUploadList={false}
            maxCount={1}
            beforeUpload={(file) => {
              void runImport(file);
              return false;
            }}
          >
            <Button icon={<UploadOutlined />} loading={importing}>
              选择 CSV 文件并导入
            </Button>
          </Upload>
          {report && (
            <div data-testid="import-report">
              <Descriptions size="small" column={3} bordered>
                <Descriptions.Item label="数据行">{report.rows}</Descriptions.Item>
                <Descriptions.Item label="新加入">{report.added}</Descriptions.Item>
                <Descriptions.Item label="已在名单中">{report.alreadySuppressed}</Descriptions.Item>
              </Descriptions>
              {notImported(report) > 0 ? (
                <>
                  <Alert
                    type="warning"
                    style={{ margin: '12px 0 8px' }}
                    message={`${notImported(report)} 行未导入${
                      report.errors.length < notImported(report)
                        ? `（以下列出前 ${report.errors.length} 行）`
                        : ''
                    }：`}
                  />
                  <Table<ImportRowError>
                    rowKey="row"
                    size="small"
                    columns={errorColumns}
                    dataSource={report.errors}
                    pagination={{ pageSize: 10, hideOnSinglePage: true }}
                  />
                </>
              ) : (
                <Alert type="success" style={{ marginTop: 12 }} message="全部行已导入" />
              )}
            </div>
          )}
        </Space>
      </Modal>
    </Card>
  );
}
