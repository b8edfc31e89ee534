import { App, Card, Empty, Form, Segmented, Select, Table, Tag, type TableColumnsType } from 'antd';
import ReactEChartsCore from 'echarts-for-react/lib/core';
import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { useApi } from '../api/api-context';
import type { GoodsBreakdown, GoodsDimension, GoodsRow, StatsQuery } from '../api/types';
import { echarts, type ChartOption } from '../components/echarts-core';
import {
  GOODS_DIMENSIONS,
  GOODS_LIMIT_OPTIONS,
  goodsRowLabel,
  num,
  parseDimension,
  parseLimit,
  pct,
  shareSum,
  yuanText,
} from './analysis';

const BUCKET_TAGS: Record<GoodsRow['bucket'], { text: string; color?: string } | undefined> = {
  label: undefined,
  other: { text: '其余标签合计' },
  unlabelled: { text: '订单无此类标签', color: 'orange' },
};

function goodsOption(rows: GoodsRow[]): ChartOption {
  return {
    // Drawn at once: what is on screen is the figures, also in a screenshot.
    animation: false,
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    legend: { top: 0 },
    grid: { left: 8, right: 48, top: 32, bottom: 8, containLabel: true },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: {
      type: 'category',
      inverse: true,
      data: rows.map(goodsRowLabel),
      axisLabel: { width: 140, overflow: 'truncate' },
    },
    series: [
      {
        name: '订单数',
        type: 'bar',
        data: rows.map((r) => r.orderCount),
        label: {
          show: true,
          position: 'right',
          formatter: (p) => pct(rows[p.dataIndex]?.share ?? 0),
        },
      },
      { name: '下单人数', type: 'bar', data: rows.map((r) => r.buyerCount) },
    ],
  };
}

/**
 * 商品分析: what the pushed customers bought afterwards (the attributed orders of the
 * page's scope), grouped by one kind of label, top N plus 其他 and 无标签.
 */
export function GoodsBreakdownCard({ query }: { query: StatsQuery }) {
  const api = useApi();
  const { message } = App.useApp();
  const [params, setParams] = useSearchParams();
  const [result, setResult] = useState<GoodsBreakdown>();
  const [loading, setLoading] = useState(false);

  const dimension = parseDimension(params.get('dim'));
  const limit = parseLimit(params.get('limit'));

  useEffect(() => {
    let current = true;
    setLoading(true);
    api
      .effectGoods({ ...query, dimension, limit })
      .then((r) => current && setResult(r))
      .catch((e: unknown) => {
        if (current) message.error(`加载商品分析失败：${(e as Error).message}`);
      })
      .finally(() => current && setLoading(false));
    return () => {
      current = false;
    };
  }, [api, message, query, dimension, limit]);

  const change = (key: 'dim' | 'limit', value: string) => {
    const next = new URLSearchParams(params);
    next.set(key, value);
    setParams(next, { replace: true });
  };

  const rows = result?.dimension === dimension ? result.rows : [];
  const hasOrders = (result?.totalOrders ?? 0) > 0;
  const dimLabel = GOODS_DIMENSIONS.find((d) => d.value === dimension)?.label ?? '';

  const columns: TableColumnsType<GoodsRow> = [
    {
      title: dimLabel,
      key: 'name',
      render: (_: unknown, r) => {
        const tag = BUCKET_TAGS[r.bucket];
        return (
          <span className="goods-name">
            <span className="goods-label">{goodsRowLabel(r)}</span>
            {tag && <Tag color={tag.color}>{tag.text}</Tag>}
          </span>
        );
      },
    },
    { title: '订单数', dataIndex: 'orderCount', width: 100, align: 'right', render: num },
    { title: '下单人数', dataIndex: 'buyerCount', width: 100, align: 'right', render: num },
    { title: '营收（元）', dataIndex: 'revenue', width: 130, align: 'right', render: yuanText },
    { title: '占比', dataIndex: 'share', width: 100, align: 'right', render: pct },
  ];

  return (
    <Card title="商品分析" data-testid="goods-card">
      <Form layout="inline" className="rule-search">
        <Form.Item label="维度">
          <Segmented<GoodsDimension>
            value={dimension}
            options={GOODS_DIMENSIONS}
            onChange={(v) => change('dim', v)}
          />
        </Form.Item>
        <Form.Item label="显示前">
          <Select
            value={limit}
            style={{ width: 110 }}
            options={GOODS_LIMIT_OPTIONS.map((n) => ({ value: n, label: `${n} 项` }))}
            onChange={(v: number) => change('limit', String(v))}
            aria-label="显示前几项"
          />
        </Form.Item>
      </Form>
      <div className="effect-note goods-explain">
        推送成功的客户在推送后归因期内的订单，按订单上的{dimLabel}
        标签分组；一个订单带多个{dimLabel}时计入每一组，占比按 1/标签数 分摊，合计 100%。
      </div>
      {hasOrders && rows.length > 0 ? (
        <ReactEChartsCore
          echarts={echarts}
          option={goodsOption(rows)}
          notMerge
          style={{ height: Math.max(200, rows.length * 36 + 60), width: '100%' }}
          data-testid="goods-chart"
        />
      ) : (
        !loading && <Empty description="该范围内没有推送后的订单" />
      )}
      <Table<GoodsRow>
        className="goods-table"
        data-testid="goods-table"
        rowKey={(r) => `${r.bucket}:${r.id ?? ''}`}
        size="small"
        columns={columns}
        dataSource={rows}
        loading={loading}
        pagination={false}
        scroll={{ x: 610 }}
        summary={() =>
          result && rows.length > 0 ? (
            <Table.Summary.Row className="goods-total">
              <Table.Summary.Cell index={0}>合计（去重）</Table.Summary.Cell>
              <Table.Summary.Cell index={1} align="right">
                {num(result.totalOrders)}
              </Table.Summary.Cell>
              <Table.Summary.Cell index={2} align="right">
                {num(result.totalBuyers)}
              </Table.Summary.Cell>
              <Table.Summary.Cell index={3} align="right">
                {yuanText(result.totalRevenue)}
              </Table.Summary.Cell>
              <Table.Summary.Cell index={4} align="right">
                {pct(shareSum(rows))}
              </Table.Summary.Cell>
            </Table.Summary.Row>
          ) : null
        }
      />
    </Card>
  );
}
