import { DownloadOutlined, SearchOutlined } from '@ant-design/icons';
import {
  App,
  Button,
  Card,
  Col,
  DatePicker,
  Empty,
  Form,
  Input,
  Row,
  Space,
  Statistic,
  Table,
  Tag,
  Typography,
  type TableColumnsType,
} from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import ReactEChartsCore from 'echarts-for-react/lib/core';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { useApi } from '../api/api-context';
import type {
  DailyFigures,
  ExclusionCounts,
  PushFigures,
  RunFigures,
  RunFiguresPage,
} from '../api/types';
import { echarts, type BarSeriesOption, type ChartOption } from '../components/echarts-core';
import { ExperimentCards } from '../effect/experiment-card';
import { GoodsBreakdownCard } from '../effect/goods-breakdown';
import { ReportDownloadCard } from '../effect/report-download';
import { DATE, num, pct, shanghaiToday, yuanText } from '../effect/analysis';
import { describePolicyExclusions } from '../effect/policy-exclusions';
import { saveBlob } from '../effect/save-file';
import { RUN_STATES, runKindLabel } from '../rules/run-labels';

const EXPORT_PAGE = 100;

/** The funnel of the scope and who the contact policy kept out of its runs (not in the funnel). */
type ScopeFigures = PushFigures & { excluded: ExclusionCounts };

interface SearchValues {
  name?: string;
  range?: [Dayjs, Dayjs];
}

/**
 * The per-run table's columns, shared by the screen and the CSV export (`shown`: the screen's
 * text when it differs from the exported value).
 */
const RUN_FIELDS: {
  title: string;
  value: (r: RunFigures) => string | number;
  shown?: (r: RunFigures) => string;
}[] = [
  { title: '执行ID', value: (r) => r.runId },
  { title: '推送名称', value: (r) => r.ruleName },
  { title: '方式', value: (r) => runKindLabel(r.kind) },
  { title: '执行时间', value: (r) => r.slotAt },
  {
    title: '状态',
    value: (r) => RUN_STATES[r.state as keyof typeof RUN_STATES]?.label ?? r.state,
  },
  { title: '推送人数', value: (r) => r.pushCount },
  { title: '成功人数', value: (r) => r.successCount },
  { title: '成功率', value: (r) => pct(r.successRate) },
  { title: '员工已执行', value: (r) => r.executedCount },
  { title: '已送达', value: (r) => r.deliveredCount },
  { title: '非好友', value: (r) => r.notFriendCount },
  { title: '超过接收上限', value: (r) => r.overCapCount },
  { title: '订单数', value: (r) => r.orderCount },
  { title: '购买人数', value: (r) => r.buyerCount },
  { title: '营收（元）', value: (r) => r.revenue, shown: (r) => yuanText(r.revenue) },
  { title: '订单转化率', value: (r) => pct(r.orderConversionRate) },
  { title: '用户转化率', value: (r) => pct(r.userConversionRate) },
];

/** One CSV field: quoted when needed; text that a spreadsheet would run as a formula is defused. */
function csvField(v: string | number): string {
  let s = String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function runsCsv(rows: RunFigures[]): string {
  const lines = [RUN_FIELDS.map((f) => csvField(f.title)).join(',')];
  for (const r of rows) lines.push(RUN_FIELDS.map((f) => csvField(f.value(r))).join(','));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

/** The funnel steps, each with its share of the step it comes from. */
function funnelSteps(f: PushFigures) {
  const rate = (n: number, of: number) => (of > 0 ? n / of : 0);
  return [
    { key: 'push', label: '推送人数', value: f.pushCount, note: '' },
    {
      key: 'success',
      label: '成功人数',
      value: f.successCount,
      note: `成功率 ${pct(f.successRate)}`,
    },
    {
      key: 'executed',
      label: '员工已执行',
      value: f.executedCount,
      note: `占成功 ${pct(rate(f.executedCount, f.successCount))}`,
    },
    {
      key: 'delivered',
      label: '已送达',
      value: f.deliveredCount,
      note: `占成功 ${pct(rate(f.deliveredCount, f.successCount))}`,
    },
    {
      key: 'notFriend',
      label: '非好友',
      value: f.notFriendCount,
      note: `占成功 ${pct(rate(f.notFriendCount, f.successCount))}`,
    },
    {
      key: 'overCap',
      label: '超过接收上限',
      value: f.overCapCount,
      note: `占成功 ${pct(rate(f.overCapCount, f.successCount))}`,
    },
    {
      key: 'orders',
      label: '订单数',
      value: f.orderCount,
      note: `订单转化率 ${pct(f.orderConversionRate)}`,
    },
    {
      key: 'buyers',
      label: '购买人数',
      value: f.buyerCount,
      note: `用户转化率 ${pct(f.userConversionRate)}`,
    },
  ];
}

function dailyOption(days: DailyFigures[]): ChartOption {
  const x = days.map((d) => d.day);
  const bar = (name: string, pick: (d: DailyFigures) => number): BarSeriesOption => ({
    name,
    type: 'bar',
    data: days.map(pick),
  });
  return {
    tooltip: { trigger: 'axis' },
    legend: { top: 0, type: 'scroll' },
    grid: { left: 8, right: 8, top: 40, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: x },
    yAxis: [
      { type: 'value', minInterval: 1 },
      { type: 'value', minInterval: 1, splitLine: { show: false } },
      // Revenue on its own scale; its figures are in the tooltip.
      { type: 'value', show: false },
    ],
    series: [
      bar('推送人数', (d) => d.pushCount),
      bar('成功人数', (d) => d.successCount),
      bar('已送达', (d) => d.deliveredCount),
      {
        name: '订单数',
        type: 'line',
        yAxisIndex: 1,
        data: days.map((d) => d.orderCount),
      },
      {
        name: '营收（元）',
        type: 'line',
        yAxisIndex: 2,
        // Drawn only: the exact figures are the API's strings (tooltip, table, report).
        data: days.map((d) => Number(d.revenue)),
        tooltip: { valueFormatter: (v) => (typeof v === 'number' ? `¥${v.toFixed(2)}` : '') },
      },
    ],
  };
}

/** 推送效果: the funnel, per day and per run, over a slot range and a rule name filter. */
export function EffectPage() {
  const api = useApi();
  const { message } = App.useApp();
  const [params, setParams] = useSearchParams();
  const [form] = Form.useForm<SearchValues>();
  const [figures, setFigures] = useState<ScopeFigures>();
  const [daily, setDaily] = useState<DailyFigures[]>([]);
  const [runs, setRuns] = useState<RunFiguresPage>();
  const [loading, setLoading] = useState(false);
  const [exporting, setExporting] = useState(false);

  const name = params.get('name') ?? '';
  // Default: the last 30 days, today included (Shanghai dates, as the API reads them).
  const startTime = params.get('from') ?? shanghaiToday().subtract(29, 'day').format(DATE);
  const endTime = params.get('to') ?? shanghaiToday().format(DATE);
  const page = Number(params.get('page') ?? 1) || 1;
  const pagesize = Number(params.get('size') ?? 20) || 20;

  const query = useMemo(
    () => ({ name: name || undefined, startTime, endTime }),
    [name, startTime, endTime],
  );

  const load = useCallback(async () => {
    setLoading(true);
    try {
      const [f, d, r] = await Promise.all([
        api.effectResult(query),
        api.effectDaily(query),
        // The per-run figures need a rule name (or id).
        query.name ? api.effectRuns({ ...query, page, pagesize }) : Promise.resolve(undefined),
      ]);
      setFigures(f);
      setDaily(d);
      setRuns(r);
    } catch (e) {
      message.error(`加载推送效果失败：${(e as Error).message}`);
    } finally {
      setLoading(false);
    }
  }, [api, message, query, page, pagesize]);

  useEffect(() => {
    void load();
  }, [load]);

  useEffect(() => {
    form.setFieldsValue({ name, range: [dayjs(startTime), dayjs(endTime)] });
  }, [form, name, startTime, endTime]);

  const search = (v: SearchValues) => {
    const next = new URLSearchParams();
    if (v.name?.trim()) next.set('name', v.name.trim());
    if (v.range) {
      next.set('from', v.range[0].format(DATE));
      next.set('to', v.range[1].format(DATE));
    }
    // The goods breakdown's dimension and limit stay as they are.
    for (const key of ['dim', 'limit']) {
      const value = params.get(key);
      if (value) next.set(key, value);
    }
    setParams(next);
  };

  const exportCsv = async () => {
    if (!query.name) return;
    setExporting(true);
    try {
      const rows: RunFigures[] = [];
      for (let p = 1; ; p++) {
        const r = await api.effectRuns({ ...query, page: p, pagesize: EXPORT_PAGE });
        rows.push(...r.data);
        if (p >= r.pages || r.data.length === 0) break;
      }
      saveBlob(
        `推送效果_${query.name}_${startTime}_${endTime}.csv`,
        new Blob([runsCsv(rows)], { type: 'text/csv;charset=utf-8' }),
      );
    } catch (e) {
      message.error(`导出失败：${(e as Error).message}`);
    } finally {
      setExporting(false);
    }
  };

  const columns: TableColumnsType<RunFigures> = RUN_FIELDS.map((f, i) => ({
    title: f.title,
    key: f.title,
    fixed: i === 0 ? ('left' as const) : undefined,
    width: i === 1 ? 180 : i === 3 ? 170 : 100,
    render: (_: unknown, r: RunFigures) => {
      const v = f.value(r);
      if (f.title === '状态') {
        const s = RUN_STATES[r.state as keyof typeof RUN_STATES];
        return <Tag color={s?.color}>{v}</Tag>;
      }
      if (f.shown) return f.shown(r);
      return typeof v === 'number' ? num(v) : v;
    },
  }));

  const steps = figures ? funnelSteps(figures) : [];
  const top = Math.max(figures?.pushCount ?? 0, 1);

  return (
    <Space direction="vertical" size={16} style={{ width: '100%' }}>
      <Card title="推送效果">
        <Form form={form} layout="inline" className="rule-search">
          <Form.Item name="name" label="推送名称">
            <Input
              placeholder="名称包含"
              allowClear
              style={{ width: 200 }}
              onPressEnter={() => search(form.getFieldsValue())}
            />
          </Form.Item>
          <Form.Item name="range" label="执行日期">
            <DatePicker.RangePicker allowClear={false} />
          </Form.Item>
          <Form.Item>
            <Button
              type="primary"
              icon={<SearchOutlined />}
              onClick={() => search(form.getFieldsValue())}
            >
              查询
            </Button>
          </Form.Item>
        </Form>
        <Row gutter={[12, 12]} className="effect-funnel" data-testid="effect-funnel">
          {steps.map((s) => (
            <Col key={s.key} xs={12} sm={8} md={6} xl={3}>
              <Card size="small" loading={loading && !figures} data-testid={`figure-${s.key}`}>
                <Statistic title={s.label} value={s.value} />
                <div className="effect-note">{s.note || '\u00a0'}</div>
              </Card>
            </Col>
          ))}
          <Col xs={12} sm={8} md={6} xl={3}>
            <Card size="small" loading={loading && !figures} data-testid="figure-revenue">
              <Statistic title="营收（元）" value={figures ? yuanText(figures.revenue) : '—'} />
              <div className="effect-note">实付减退款，不含已关闭 / 全额退款</div>
            </Card>
          </Col>
        </Row>
        {figures && (
          <Typography.Paragraph
            type="secondary"
            className="effect-excluded"
            data-testid="effect-excluded"
            style={{ marginTop: 12 }}
          >
            {describePolicyExclusions(figures.excluded)}（未推送，不计入推送人数）
          </Typography.Paragraph>
        )}
        {figures && (
          <div className="effect-bars" aria-hidden>
            {steps.map((s) => (
              <div className="effect-bar-row" key={s.key}>
                <span className="effect-bar-label">{s.label}</span>
                <span className="effect-bar-track">
                  <span
                    className="effect-bar"
                    style={{ width: `${Math.min(100, (s.value / top) * 100)}%` }}
                  />
                </span>
                <span className="effect-bar-value">{num(s.value)}</span>
              </div>
            ))}
          </div>
        )}
      </Card>
      <Card title="按天">
        {daily.length > 0 ? (
          <ReactEChartsCore
            echarts={echarts}
            option={dailyOption(daily)}
            notMerge
            style={{ height: 300, width: '100%' }}
            data-testid="daily-chart"
          />
        ) : (
          <Empty description="该范围内没有执行" />
        )}
      </Card>
      <ExperimentCards name={query.name} startTime={startTime} endTime={endTime} />
      <GoodsBreakdownCard query={query} />
      <Card
        title="每次执行"
        extra={
          <Button
            icon={<DownloadOutlined />}
            disabled={!query.name || !runs?.total}
            loading={exporting}
            onClick={() => void exportCsv()}
          >
            导出 CSV
          </Button>
        }
      >
        {query.name ? (
          <Table<RunFigures>
            rowKey="runId"
            className="effect-runs"
            columns={columns}
            dataSource={runs?.data ?? []}
            loading={loading}
            scroll={{ x: 2030 }}
            pagination={{
              current: runs?.page ?? page,
              pageSize: runs?.pagesize ?? pagesize,
              total: runs?.total ?? 0,
              showSizeChanger: true,
              pageSizeOptions: [10, 20, 50, 100],
              showTotal: (total) => `共 ${total} 次执行`,
              onChange: (p, size) => {
                const next = new URLSearchParams(params);
                next.set('page', String(size !== pagesize ? 1 : p));
                next.set('size', String(size));
                setParams(next);
              },
            }}
          />
        ) : (
          <Empty description="输入推送名称后查看每次执行的效果" />
        )}
      </Card>
      <ReportDownloadCard name={query.name} startTime={startTime} endTime={endTime} />
    </Space>
  );
}
