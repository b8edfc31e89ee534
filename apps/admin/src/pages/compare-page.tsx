import { SwapOutlined } from '@ant-design/icons';
import {
  Alert,
  App,
  Button,
  Card,
  DatePicker,
  Empty,
  Form,
  Segmented,
  Select,
  Space,
  Table,
  type TableColumnsType,
} from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import ReactEChartsCore from 'echarts-for-react/lib/core';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { useApi } from '../api/api-context';
import type { PushFigures, RuleFigures } from '../api/types';
import { echarts, type ChartOption } from '../components/echarts-core';
import {
  compareSelectionError,
  DATE,
  FIGURE_FIELDS,
  figureText,
  MAX_COMPARE,
  num,
  parseRuleIds,
  pct,
  rangeRequired,
  shanghaiToday,
} from '../effect/analysis';
import { holdoutLiftText } from '../effect/experiment';

interface CompareValues {
  ids: number[];
  range?: [Dayjs, Dayjs] | null;
}

type ChartKind = 'counts' | 'rates';

const CHART_FIELDS: Record<ChartKind, (keyof PushFigures)[]> = {
  counts: [
    'pushCount',
    'successCount',
    'executedCount',
    'deliveredCount',
    'orderCount',
    'buyerCount',
  ],
  rates: ['successRate', 'orderConversionRate', 'userConversionRate'],
};

const ruleTitle = (r: Pick<RuleFigures, 'pushId' | 'ruleName'>) => `${r.ruleName}（${r.pushId}）`;

function compareOption(rows: RuleFigures[], kind: ChartKind): ChartOption {
  const keys = CHART_FIELDS[kind];
  const rate = kind === 'rates';
  return {
    // Drawn at once: what is on screen is the figures, also in a screenshot.
    animation: false,
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      valueFormatter: (v) => (rate ? pct(Number(v)) : String(v)),
    },
    legend: { top: 0, type: 'scroll' },
    grid: { left: 8, right: 8, top: 40, bottom: 8, containLabel: true },
    xAxis: {
      type: 'category',
      data: keys.map((k) => FIGURE_FIELDS.find((f) => f.key === k)?.title ?? k),
    },
    yAxis: rate
      ? { type: 'value', max: 1, axisLabel: { formatter: (v: number) => `${v * 100}%` } }
      : { type: 'value', minInterval: 1 },
    series: rows.map((r) => ({
      name: ruleTitle(r),
      type: 'bar',
      data: keys.map((k) => r[k]),
    })),
  };
}

interface MetricRow {
  key: string;
  title: string;
  text: (r: RuleFigures) => string;
}

/**
 * The table's rows: the funnel, then the lift over the rule's holdout (— for a rule without
 * holdout members in the range).
 */
const METRIC_ROWS: MetricRow[] = [
  ...FIGURE_FIELDS.map((f) => ({
    key: f.key,
    title: f.title,
    text: (r: RuleFigures) => figureText(r, f.key),
  })),
  {
    key: 'controlRecipients',
    title: '对照组人数',
    text: (r) => (r.holdoutLift ? num(r.holdoutLift.controlRecipients) : '—'),
  },
  {
    key: 'controlRate',
    title: '对照组购买转化率',
    text: (r) => (r.holdoutLift ? pct(r.holdoutLift.controlUserConversionRate) : '—'),
  },
  {
    key: 'lift',
    title: '转化提升（95% 区间）',
    text: (r) => holdoutLiftText(r.holdoutLift),
  },
];

/** 规则对比: up to ten rules' funnels over one date range, side by side. */
export function ComparePage() {
  const api = useApi();
  const { message } = App.useApp();
  const [params, setParams] = useSearchParams();
  const [form] = Form.useForm<CompareValues>();
  const [rows, setRows] = useState<RuleFigures[]>([]);
  const [loading, setLoading] = useState(false);
  const [names, setNames] = useState<Map<number, string>>(new Map());
  const [searching, setSearching] = useState(false);
  const [chart, setChart] = useState<ChartKind>('counts');
  const searchSeq = useRef(0);

  const idsParam = params.get('ids');
  const ids = useMemo(() => parseRuleIds(idsParam), [idsParam]);
  const startTime = params.get('from') ?? shanghaiToday().subtract(29, 'day').format(DATE);
  const endTime = params.get('to') ?? shanghaiToday().format(DATE);
  const urlError = ids.length > 0 ? compareSelectionError(ids) : undefined;

  const addNames = useCallback((list: { id: number; name: string }[]) => {
    setNames((prev) => {
      const next = new Map(prev);
      for (const r of list) next.set(r.id, r.name);
      return next;
    });
  }, []);

  const searchRules = useCallback(
    async (text: string) => {
      const seq = ++searchSeq.current;
      setSearching(true);
      try {
        const page = await api.listRules({
          searchText: text.trim() || undefined,
          page: 1,
          pagesize: 50,
        });
        if (seq === searchSeq.current) addNames(page.data);
      } catch (e) {
        message.error(`加载推送列表失败：${(e as Error).message}`);
      } finally {
        if (seq === searchSeq.current) setSearching(false);
      }
    },
    [api, message, addNames],
  );

  useEffect(() => {
    void searchRules('');
  }, [searchRules]);

  useEffect(() => {
    form.setFieldsValue({ ids, range: [dayjs(startTime), dayjs(endTime)] });
  }, [form, ids, startTime, endTime]);

  useEffect(() => {
    if (ids.length === 0 || urlError) {
      setRows([]);
      return;
    }
    let current = true;
    setLoading(true);
    api
      .effectCompare({ ids, startTime, endTime })
      .then((r) => {
        if (!current) return;
        setRows(r);
        addNames(r.map((x) => ({ id: x.pushId, name: x.ruleName })));
      })
      .catch((e: unknown) => {
        if (current) message.error(`加载对比失败：${(e as Error).message}`);
      })
      .finally(() => current && setLoading(false));
    return () => {
      current = false;
    };
  }, [api, message, addNames, ids, startTime, endTime, urlError]);

  const compare = async () => {
    let v: CompareValues;
    try {
      v = await form.validateFields();
    } catch {
      return;
    }
    const [from, to] = v.range as [Dayjs, Dayjs];
    setParams(
      new URLSearchParams({ ids: v.ids.join(','), from: from.format(DATE), to: to.format(DATE) }),
    );
  };

  const options = [...names.entries()]
    .sort((a, b) => b[0] - a[0])
    .map(([id, name]) => ({ value: id, label: `${name}（${id}）` }));

  const columns: TableColumnsType<MetricRow> = [
    { title: '指标', dataIndex: 'title', key: 'metric', fixed: 'left', width: 120 },
    ...rows.map((r) => ({
      key: String(r.pushId),
      title: <span className="compare-rule-title">{ruleTitle(r)}</span>,
      width: 150,
      align: 'right' as const,
      render: (_: unknown, m: MetricRow) => m.text(r),
    })),
  ];

  return (
    <Space direction="vertical" size={16} style={{ width: '100%' }}>
      <Card title="规则对比">
        <Form form={form} layout="inline" className="rule-search compare-form">
          <Form.Item
            name="ids"
            label="推送"
            className="compare-rules"
            rules={[
              {
                validator: (_, value: number[] | undefined) => {
                  const err = compareSelectionError(value ?? []);
                  return err ? Promise.reject(new Error(err)) : Promise.resolve();
                },
              },
            ]}
          >
            <Select<number[]>
              mode="multiple"
              allowClear
              showSearch
              filterOption={false}
              maxCount={MAX_COMPARE}
              placeholder={`选择要对比的推送（最多 ${MAX_COMPARE} 个）`}
              loading={searching}
              options={options}
              onSearch={(text) => void searchRules(text)}
              notFoundContent={searching ? '加载中…' : '没有匹配的推送'}
            />
          </Form.Item>
          <Form.Item
            name="range"
            label="执行日期"
            rules={[
              {
                validator: (_, value) => {
                  const err = rangeRequired(value);
                  return err ? Promise.reject(new Error(err)) : Promise.resolve();
                },
              },
            ]}
          >
            <DatePicker.RangePicker />
          </Form.Item>
          <Form.Item>
            <Button type="primary" icon={<SwapOutlined />} onClick={() => void compare()}>
              对比
            </Button>
          </Form.Item>
        </Form>
        {urlError && <Alert type="error" showIcon message={urlError} />}
      </Card>
      <Card
        title="漏斗对比"
        extra={
          <Segmented<ChartKind>
            value={chart}
            onChange={setChart}
            options={[
              { value: 'counts', label: '人数' },
              { value: 'rates', label: '转化率' },
            ]}
          />
        }
      >
        {rows.length > 0 ? (
          <ReactEChartsCore
            echarts={echarts}
            option={compareOption(rows, chart)}
            notMerge
            style={{ height: 300, width: '100%' }}
            data-testid="compare-chart"
          />
        ) : (
          <Empty description={loading ? '加载中…' : '选择推送和日期后点击“对比”'} />
        )}
      </Card>
      <Card title="明细">
        <Table<MetricRow>
          className="compare-table"
          data-testid="compare-table"
          rowKey="key"
          size="small"
          bordered
          columns={columns}
          dataSource={rows.length > 0 ? METRIC_ROWS : []}
          loading={loading}
          pagination={false}
          scroll={{ x: 120 + rows.length * 150 }}
        />
      </Card>
    </Space>
  );
}
