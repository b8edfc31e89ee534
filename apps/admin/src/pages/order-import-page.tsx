import { DownloadOutlined, InboxOutlined, ReloadOutlined, StopOutlined } from '@ant-design/icons';
import {
  Alert,
  App,
  Button,
  Card,
  Descriptions,
  Popconfirm,
  Progress,
  Space,
  Statistic,
  Switch,
  Table,
  Tag,
  Typography,
  Upload,
  type TableColumnsType,
} from 'antd';
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from '../api/api-client';
import { useApi } from '../api/api-context';
import { useCan } from '../auth/me-context';
import type { OrderImport, OrderImportReportRow, OrderImportStatus } from '../api/types';
import { saveBlob } from '../effect/save-file';
import {
  confirmOffer,
  describeCreator,
  formatBytes,
  IMPORT_STATES,
  isActive,
  isOrderFileName,
  progressOf,
  REJECT_REASON_WORDS,
} from '../orders/order-import-model';

const REPORT_PAGE = 20;
const POLL_MS = 1000;
const RECENT = 20;

const stateTag = (s: OrderImport['state']) => (
  <Tag color={IMPORT_STATES[s].color}>{IMPORT_STATES[s].label}</Tag>
);

function failureText(e: unknown): string {
  const detail = e instanceof ApiError ? e.details[0]?.message : undefined;
  return `${(e as Error).message}${detail ? `（${detail}）` : ''}`;
}

/**
 * 订单导入: an order file (CSV / XLSX, one row per line item) dragged in, checked in a dry run,
 * then imported for real after the operator confirms; progress, counts and the rejected rows
 * while the worker reads it; the report as CSV; the recent imports.
 */
export function OrderImportPage() {
  const canEdit = useCan('editor');
  const api = useApi();
  const { message } = App.useApp();
  const [dryRun, setDryRun] = useState(true);
  const [uploading, setUploading] = useState(false);
  const [current, setCurrent] = useState<OrderImportStatus>();
  const [reportPage, setReportPage] = useState(1);
  const [recent, setRecent] = useState<OrderImport[]>([]);
  const [recentLoading, setRecentLoading] = useState(false);
  // The file of the dry run on screen, to import it for real when the operator confirms.
  const [checkedFile, setCheckedFile] = useState<{ importId: number; file: File }>();

  const loadRecent = useCallback(async () => {
    setRecentLoading(true);
    try {
      setRecent(await api.imports(RECENT));
    } catch (e) {
      message.error(`加载导入记录失败：${failureText(e)}`);
    } finally {
      setRecentLoading(false);
    }
  }, [api, message]);

  useEffect(() => {
    void loadRecent();
  }, [loadRecent]);

  // Only the latest status request may fill the panel (a slow poll must not undo a newer page).
  const latest = useRef(0);
  const load = useCallback(
    async (id: number, page: number) => {
      const request = ++latest.current;
      try {
        const s = await api.importStatus(id, (page - 1) * REPORT_PAGE, REPORT_PAGE);
        if (request === latest.current) setCurrent(s);
        return s;
      } catch (e) {
        if (request === latest.current) message.error(`加载导入状态失败：${failureText(e)}`);
        return undefined;
      }
    },
    [api, message],
  );

  const currentId = current?.id;
  const active = current ? isActive(current.state) : false;
  useEffect(() => {
    if (currentId === undefined || !active) return;
    let stopped = false;
    const timer = setTimeout(() => {
      void load(currentId, reportPage).then((s) => {
        if (!stopped && s && !isActive(s.state)) void loadRecent();
      });
    }, POLL_MS);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [currentId, active, reportPage, current, load, loadRecent]);

  const show = async (id: number) => {
    setReportPage(1);
    await load(id, 1);
  };

  const start = async (file: File, dry: boolean) => {
    if (!isOrderFileName(file.name)) {
      message.error('只能导入 CSV 或 XLSX 文件');
      return;
    }
    setUploading(true);
    try {
      const imp = await api.importOrders(file, file.name, dry);
      setCheckedFile(dry ? { importId: imp.id, file } : undefined);
      message.success(dry ? '文件已上传，正在校验（试运行）' : '文件已上传，正在导入');
      await show(imp.id);
      await loadRecent();
    } catch (e) {
      message.error(`上传失败：${failureText(e)}`);
    } finally {
      setUploading(false);
    }
  };

  const cancel = async (id: number) => {
    try {
      await api.cancelImport(id);
      message.success('已请求取消');
      await load(id, reportPage);
      await loadRecent();
    } catch (e) {
      message.error(`取消失败：${failureText(e)}`);
    }
  };

  const downloadReport = async (id: number) => {
    try {
      const file = await api.importReportCsv(id);
      saveBlob(file.filename, file.blob);
    } catch (e) {
      message.error(`下载报告失败：${failureText(e)}`);
    }
  };

  const reportColumns: TableColumnsType<OrderImportReportRow> = [
    { title: '行号', dataIndex: 'line', width: 80 },
    { title: '订单号', dataIndex: 'orderNumber', width: 160, ellipsis: true },
    {
      title: '列',
      dataIndex: 'column',
      width: 130,
      render: (c: string) => c || <Typography.Text type="secondary">整行</Typography.Text>,
    },
    {
      title: '原因',
      key: 'reason',
      render: (_: unknown, r) => (
        <Space direction="vertical" size={0}>
          <span>{REJECT_REASON_WORDS[r.reason] ?? r.reason}</span>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {r.message}
          </Typography.Text>
        </Space>
      ),
    },
    {
      title: '内容',
      dataIndex: 'value',
      width: 180,
      ellipsis: true,
      render: (v: string) => v || '—',
    },
  ];

  const recentColumns: TableColumnsType<OrderImport> = [
    { title: '上传时间', dataIndex: 'createdAt', width: 170 },
    { title: '文件', dataIndex: 'fileName', ellipsis: true },
    {
      title: '方式',
      dataIndex: 'dryRun',
      width: 90,
      render: (d: boolean) => (d ? <Tag>试运行</Tag> : <Tag color="blue">导入</Tag>),
    },
    { title: '状态', dataIndex: 'state', width: 90, render: stateTag },
    {
      title: '行（通过 / 拒绝）',
      key: 'rows',
      width: 140,
      render: (_: unknown, i) => `${i.rowsAccepted} / ${i.rowsRejected}`,
    },
    { title: '写入订单', dataIndex: 'ordersWritten', width: 90 },
    {
      title: '导入者',
      dataIndex: 'createdBy',
      width: 110,
      render: (by: string) => describeCreator(by),
    },
    {
      title: '操作',
      key: 'actions',
      width: 80,
      render: (_: unknown, i) => (
        <Button type="link" size="small" onClick={() => void show(i.id)}>
          查看
        </Button>
      ),
    },
  ];

  const offer = current ? confirmOffer(current) : undefined;
  const confirmable = offer && checkedFile?.importId === current?.id ? checkedFile : undefined;
  const progress = current ? progressOf(current) : undefined;

  return (
    <Space direction="vertical" size={16} style={{ width: '100%' }}>
      <Card title="订单导入">
        <Alert
          type="info"
          showIcon
          style={{ marginBottom: 16 }}
          message="每行一个商品明细，同一订单的行相邻；表头用英文列名（order_number, order_time, status, payment, customer_id, mobile, sku_id, quantity, price…）或有赞订单导出的中文列名。CSV（UTF-8 或 GB18030）或 XLSX。"
          description="先试运行：只校验并列出被拒绝的行，不写入任何数据；确认无误后再正式导入。被拒绝行所在的整单都不会写入。"
        />
        <Space style={{ display: 'flex', marginBottom: 16 }}>
          <Switch checked={dryRun} onChange={setDryRun} aria-label="试运行" />
          <span>试运行（只校验，不写入）</span>
        </Space>
        <Upload.Dragger
          accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
          showUploadList={false}
          multiple={false}
          disabled={uploading || !canEdit}
          beforeUpload={(file) => {
            void start(file, dryRun);
            return false;
          }}
        >
          <p className="ant-upload-drag-icon">
            <InboxOutlined />
          </p>
          <p className="ant-upload-text">
            {!canEdit
              ? '只读账号不能导入订单'
              : uploading
                ? '正在上传…'
                : '点击或拖拽订单文件到此处上传'}
          </p>
          <p className="ant-upload-hint">
            {dryRun ? '试运行：只校验，不写入' : '正式导入：写入订单'}
          </p>
        </Upload.Dragger>
      </Card>

      {current && progress && (
        <Card
          title={`导入 #${current.id}：${current.fileName}`}
          data-testid="import-current"
          extra={stateTag(current.state)}
        >
          <Progress
            percent={progress.percent}
            status={progress.status}
            format={() => progress.text}
            data-testid="import-progress"
          />
          <Descriptions size="small" column={{ xs: 1, sm: 2, md: 3 }} style={{ marginTop: 12 }}>
            <Descriptions.Item label="方式">
              {current.dryRun ? '试运行' : '正式导入'}
            </Descriptions.Item>
            <Descriptions.Item label="文件大小">{formatBytes(current.fileSize)}</Descriptions.Item>
            <Descriptions.Item label="导入者">
              {describeCreator(current.createdBy)}
            </Descriptions.Item>
            <Descriptions.Item label="上传时间">{current.createdAt}</Descriptions.Item>
            <Descriptions.Item label="完成时间">{current.finishedAt ?? '—'}</Descriptions.Item>
            <Descriptions.Item label="SHA-256">
              <Typography.Text copyable={{ text: current.fileSha256 }}>
                {current.fileSha256.slice(0, 12)}…
              </Typography.Text>
            </Descriptions.Item>
          </Descriptions>
          <Space
            wrap
            size={32}
            style={{ display: 'flex', margin: '12px 0' }}
            data-testid="import-counts"
          >
            <Statistic title="已读行" value={current.rowsRead} />
            <Statistic title="通过行" value={current.rowsAccepted} />
            <Statistic
              title="拒绝行"
              value={current.rowsRejected}
              valueStyle={current.rowsRejected ? { color: '#cf1322' } : undefined}
            />
            <Statistic
              title={current.dryRun ? '可导入订单' : '通过订单'}
              value={current.ordersAccepted}
            />
            <Statistic title="拒绝订单" value={current.ordersRejected} />
            {!current.dryRun && <Statistic title="写入订单" value={current.ordersWritten} />}
            {!current.dryRun && <Statistic title="未变化订单" value={current.ordersUnchanged} />}
          </Space>
          {current.error && (
            <Alert type="error" showIcon style={{ marginBottom: 12 }} message={current.error} />
          )}
          <Space wrap style={{ display: 'flex', marginBottom: 12 }}>
            {canEdit && isActive(current.state) && (
              <Popconfirm
                title="取消这次导入？"
                description="排队中的立即取消；进行中的在当前批次（至多 500 单）后停止，已写入的订单保留。"
                okText="取消导入"
                okButtonProps={{ danger: true }}
                cancelText="不取消"
                onConfirm={() => cancel(current.id)}
                disabled={current.cancelRequested}
              >
                <Button danger icon={<StopOutlined />} disabled={current.cancelRequested}>
                  {current.cancelRequested ? '正在取消' : '取消导入'}
                </Button>
              </Popconfirm>
            )}
            {canEdit &&
              confirmable &&
              (offer?.clean ? (
                <Button
                  type="primary"
                  loading={uploading}
                  onClick={() => void start(confirmable.file, false)}
                >
                  确认导入
                </Button>
              ) : (
                <Popconfirm
                  title={`只导入通过校验的 ${current.ordersAccepted} 单？`}
                  description={`${current.rowsRejected} 行被拒绝，它们所在的订单不会写入；修正后可再次导入同一文件。`}
                  okText="确认导入"
                  cancelText="再看看"
                  onConfirm={() => start(confirmable.file, false)}
                >
                  <Button type="primary" loading={uploading}>
                    确认导入
                  </Button>
                </Popconfirm>
              ))}
            {!isActive(current.state) && (
              <Button icon={<DownloadOutlined />} onClick={() => void downloadReport(current.id)}>
                下载报告 CSV
              </Button>
            )}
          </Space>
          {current.rowsRejected > 0 ? (
            <Table<OrderImportReportRow>
              rowKey={(r) => `${r.line}|${r.column}|${r.reason}|${r.message}`}
              size="small"
              data-testid="import-report"
              columns={reportColumns}
              dataSource={current.report}
              scroll={{ x: 760 }}
              pagination={{
                current: reportPage,
                pageSize: REPORT_PAGE,
                total: current.rowsRejected,
                showSizeChanger: false,
                showTotal: (t) => `共 ${t} 行被拒绝`,
                onChange: (p) => {
                  setReportPage(p);
                  void load(current.id, p);
                },
              }}
            />
          ) : (
            current.state === 'done' && (
              <Alert type="success" showIcon message="所有行都通过了校验" />
            )
          )}
        </Card>
      )}

      <Card
        title="最近的导入"
        extra={
          <Button icon={<ReloadOutlined />} onClick={() => void loadRecent()}>
            刷新
          </Button>
        }
      >
        <Table<OrderImport>
          rowKey="id"
          size="small"
          data-testid="import-list"
          columns={recentColumns}
          dataSource={recent}
          loading={recentLoading}
          scroll={{ x: 900 }}
          pagination={false}
          locale={{ emptyText: '还没有导入记录' }}
        />
      </Card>
    </Space>
  );
}
