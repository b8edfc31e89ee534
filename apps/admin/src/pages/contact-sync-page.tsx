import { SyncOutlined, UploadOutlined } from '@ant-design/icons';
import {
  Alert,
  App,
  Button,
  Card,
  Col,
  Descriptions,
  Progress,
  Row,
  Space,
  Statistic,
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
import type {
  ContactMatchRates,
  ContactSync,
  ContactSyncStatus,
  IdentityImportReport,
  IdentityRejection,
} from '../api/types';
import {
  IDENTITY_REJECT_REASONS,
  percent,
  shanghaiTime,
  SYNC_STATES,
  syncPercent,
} from '../contacts/contact-sync-model';

/** How often the page asks for progress while a sync runs, and otherwise. */
const POLL_RUNNING_MS = 2_000;
const POLL_IDLE_MS = 30_000;

const n = (v: number) => v.toLocaleString('zh-CN');

function SyncResult({ run, testId }: { run: ContactSync | null; testId: string }) {
  if (!run) return <Typography.Text type="secondary">尚未运行</Typography.Text>;
  return (
    <Descriptions size="small" column={2} bordered data-testid={testId}>
      <Descriptions.Item label="状态">
        <Tag color={SYNC_STATES[run.state].color}>{SYNC_STATES[run.state].label}</Tag>
      </Descriptions.Item>
      <Descriptions.Item label="结束时间">{shanghaiTime(run.finishedAt)}</Descriptions.Item>
      <Descriptions.Item label="开始时间">{shanghaiTime(run.startedAt)}</Descriptions.Item>
      <Descriptions.Item label="成员">{n(run.membersTotal)}</Descriptions.Item>
      <Descriptions.Item label="读到的跟进关系">{n(run.rowsRead)}</Descriptions.Item>
      <Descriptions.Item label="修正行数">{n(run.corrected)}</Descriptions.Item>
      <Descriptions.Item label="新增 / 变更 / 删除跟进">
        {n(run.followsAdded)} / {n(run.followsChanged)} / {n(run.followsRemoved)}
      </Descriptions.Item>
      <Descriptions.Item label="关联买家 / 新建客户">
        {n(run.customersLinked)} / {n(run.customersCreated)}
      </Descriptions.Item>
      <Descriptions.Item label="变为不可达 / 恢复可达">
        {n(run.unreachableMarked)} / {n(run.reachableAgain)}
      </Descriptions.Item>
      {run.error && (
        <Descriptions.Item label="错误" span={2}>
          <Typography.Text type="danger">{run.error}</Typography.Text>
        </Descriptions.Item>
      )}
    </Descriptions>
  );
}

const rejectionColumns: TableColumnsType<IdentityRejection> = [
  { title: '行号', dataIndex: 'line', width: 80 },
  { title: '列', dataIndex: 'column', width: 140 },
  { title: '值', dataIndex: 'value', ellipsis: true },
  {
    title: '原因',
    dataIndex: 'reason',
    render: (r: IdentityRejection['reason']) => IDENTITY_REJECT_REASONS[r] ?? r,
  },
];

/**
 * 客户同步: WeCom's customers — start a full sync and watch it, the last full sync and nightly
 * reconcile, how contacts match shop buyers, and the operator's identity mapping file.
 */
export function ContactSyncPage() {
  const canSync = useCan('admin');
  const canImport = useCan('editor');
  const api = useApi();
  const { message } = App.useApp();
  const [status, setStatus] = useState<ContactSyncStatus>();
  const [match, setMatch] = useState<ContactMatchRates>();
  const [loadError, setLoadError] = useState<string>();
  const [starting, setStarting] = useState(false);
  const [importing, setImporting] = useState(false);
  const [report, setReport] = useState<IdentityImportReport>();
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const load = useCallback(async () => {
    clearTimeout(timer.current);
    let running = false;
    try {
      const [s, m] = await Promise.all([api.contactSyncStatus(), api.contactMatchRates()]);
      setStatus(s);
      setMatch(m);
      setLoadError(undefined);
      running = s.running !== null;
    } catch (e) {
      setLoadError((e as Error).message);
    }
    timer.current = setTimeout(() => void load(), running ? POLL_RUNNING_MS : POLL_IDLE_MS);
  }, [api]);

  useEffect(() => {
    void load();
    return () => clearTimeout(timer.current);
  }, [load]);

  const start = async () => {
    setStarting(true);
    try {
      await api.startContactSync();
      message.success('已开始全量同步');
    } catch (e) {
      if (e instanceof ApiError && e.code === 'CONFLICT') message.warning('同步进行中');
      else message.error(`无法开始同步：${(e as Error).message}`);
    } finally {
      setStarting(false);
      await load();
    }
  };

  const runImport = async (file: File) => {
    setImporting(true);
    setReport(undefined);
    try {
      setReport(await api.importIdentities(file, file.name));
      await load();
    } catch (e) {
      const detail = e instanceof ApiError ? e.details[0]?.message : undefined;
      message.error(`导入失败：${(e as Error).message}${detail ? `（${detail}）` : ''}`);
    } finally {
      setImporting(false);
    }
  };

  const running = status?.running ?? null;
  const methods = match?.byMethod;
  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      {loadError && <Alert type="error" showIcon message={`加载失败：${loadError}`} />}
      <Card
        title="企业微信客户同步"
        extra={
          canSync && (
            <Button
              type="primary"
              icon={<SyncOutlined />}
              loading={starting}
              onClick={() => void start()}
              data-testid="start-sync"
            >
              开始全量同步
            </Button>
          )
        }
      >
        {running ? (
          <div data-testid="sync-running">
            <Typography.Text>
              同步进行中（{running.kind === 'nightly' ? '夜间对账' : '全量同步'}，开始于{' '}
              {shanghaiTime(running.startedAt)}）：已读 {n(running.membersDone)} /{' '}
              {n(running.membersTotal)} 位成员，{n(running.rowsRead)} 条跟进关系，
              {n(running.pages)} 页
            </Typography.Text>
            <Progress percent={syncPercent(running)} status="active" />
          </div>
        ) : (
          <Typography.Text type="secondary" data-testid="sync-idle">
            当前没有同步在运行。全量同步读取所有成员的客户、跟进关系与企业标签；夜间对账每天自动运行，修复回调遗漏的变化。
          </Typography.Text>
        )}
      </Card>
      <Row gutter={16}>
        <Col span={12}>
          <Card title="最近一次全量同步" size="small">
            <SyncResult run={status?.lastFull ?? null} testId="last-full" />
          </Card>
        </Col>
        <Col span={12}>
          <Card title="最近一次夜间对账" size="small">
            <SyncResult run={status?.lastNightly ?? null} testId="last-nightly" />
          </Card>
        </Col>
      </Row>
      <Card title="客户与买家匹配" data-testid="match-rates">
        {match && methods && (
          <Space direction="vertical" style={{ width: '100%' }}>
            <Row gutter={16}>
              <Col span={5}>
                <Statistic title="企业微信客户" value={match.contacts} />
              </Col>
              <Col span={5}>
                <Statistic title="买家（有订单）" value={match.buyers} />
              </Col>
              <Col span={5}>
                <Statistic title="可触达的买家" value={match.buyersMatched} />
              </Col>
              <Col span={5}>
                <Statistic title="无法触达的买家" value={match.buyersUnmatched} />
              </Col>
              <Col span={4}>
                <Statistic title="买家匹配率" value={percent(match.buyerMatchRate)} />
              </Col>
            </Row>
            <Descriptions size="small" column={5} bordered title="客户的匹配方式">
              <Descriptions.Item label="已有关联">{n(methods.existing)}</Descriptions.Item>
              <Descriptions.Item label="unionid">{n(methods.unionid)}</Descriptions.Item>
              <Descriptions.Item label="手机号">{n(methods.mobile)}</Descriptions.Item>
              <Descriptions.Item label="映射文件">{n(methods.mapping)}</Descriptions.Item>
              <Descriptions.Item label="未匹配（新建）">{n(methods.created)}</Descriptions.Item>
            </Descriptions>
          </Space>
        )}
      </Card>
      <Card title="身份映射文件">
        <Space direction="vertical" style={{ width: '100%' }}>
          <Typography.Paragraph type="secondary" style={{ marginBottom: 0 }}>
            CSV（UTF-8）表头：external_userid，以及 customer_id 或 mobile，可选
            owner_userid（负责成员，须已添加该客户）。每行把一个企业微信客户关联到买家；有问题的行单独列出，其余照常应用。从不按昵称匹配。
          </Typography.Paragraph>
          <Upload
            accept=".csv,text/csv"
            showUploadList={false}
            maxCount={1}
            disabled={!canImport}
            beforeUpload={(file) => {
              void runImport(file);
              return false;
            }}
          >
            <Button icon={<UploadOutlined />} loading={importing} disabled={!canImport}>
              选择映射 CSV 并导入
            </Button>
          </Upload>
          {report && (
            <div data-testid="identity-report">
              <Descriptions size="small" column={5} bordered>
                <Descriptions.Item label="数据行">{n(report.rows)}</Descriptions.Item>
                <Descriptions.Item label="已关联">{n(report.linked)}</Descriptions.Item>
                <Descriptions.Item label="未变化">{n(report.unchanged)}</Descriptions.Item>
                <Descriptions.Item label="指定负责成员">{n(report.ownersNamed)}</Descriptions.Item>
                <Descriptions.Item label="未应用">{n(report.rejected)}</Descriptions.Item>
              </Descriptions>
              {report.report.length > 0 && (
                <Table
                  style={{ marginTop: 12 }}
                  size="small"
                  rowKey={(r) => `${r.line}:${r.column}`}
                  columns={rejectionColumns}
                  dataSource={report.report}
                  pagination={{ pageSize: 10 }}
                />
              )}
            </div>
          )}
        </Space>
      </Card>
    </Space>
  );
}
