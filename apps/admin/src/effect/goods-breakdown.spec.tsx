/**
 * @jest-environment jsdom
 */
import '../../test/utils/jsdom-polyfills';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { App } from 'antd';
import { MemoryRouter, useLocation } from 'react-router-dom';
import type { ApiClient } from '../api/api-client';
import { ApiContext } from '../api/api-context';
import type { GoodsBreakdown, GoodsQuery } from '../api/types';
import { GoodsBreakdownCard } from './goods-breakdown';

// jsdom has no canvas (and ECharts ships ES modules Jest does not load): the chart is a
// stub that shows the categories it was given.
jest.mock('../components/echarts-core', () => ({ echarts: {} }));
jest.mock('echarts-for-react/lib/core', () => ({
  __esModule: true,
  default: (props: { option: { yAxis: { data: string[] } } }) => (
    <div data-testid="chart-stub">{props.option.yAxis.data.join('|')}</div>
  ),
}));

const EVIL = '<img src=x onerror="window.__pwned=1">皇家';

const breakdown = (dimension: GoodsQuery['dimension']): GoodsBreakdown => ({
  dimension,
  totalOrders: 5,
  totalBuyers: 4,
  totalRevenue: '1234567.30',
  rows: [
    {
      id: EVIL,
      name: EVIL,
      bucket: 'label',
      orderCount: 3,
      buyerCount: 2,
      revenue: '1234000.10',
      share: 0.5,
    },
    {
      id: '1001',
      name: '华东仓',
      bucket: 'label',
      orderCount: 1,
      buyerCount: 1,
      revenue: '567.00',
      share: 0.1667,
    },
    {
      id: null,
      name: '其他',
      bucket: 'other',
      orderCount: 1,
      buyerCount: 1,
      revenue: '0.10',
      share: 0.1333,
    },
    {
      id: null,
      name: '无标签',
      bucket: 'unlabelled',
      orderCount: 1,
      buyerCount: 1,
      revenue: '0.20',
      share: 0.2,
    },
  ],
});

function Where() {
  const { search } = useLocation();
  return <div data-testid="where">{search}</div>;
}

function setup(initialUrl = '/effect') {
  const calls: GoodsQuery[] = [];
  const api = {
    effectGoods: jest.fn(async (q: GoodsQuery) => {
      calls.push(q);
      return breakdown(q.dimension);
    }),
  } as unknown as ApiClient;
  const query = { name: '猫砂', startTime: '2026-11-01', endTime: '2026-11-30' };
  render(
    <MemoryRouter initialEntries={[initialUrl]}>
      <App>
        <ApiContext.Provider value={api}>
          <GoodsBreakdownCard query={query} />
          <Where />
        </ApiContext.Provider>
      </App>
    </MemoryRouter>,
  );
  return { calls };
}

const tableRows = () =>
  [...screen.getByTestId('goods-table').querySelectorAll('tbody tr.ant-table-row')].map((tr) =>
    [...tr.querySelectorAll('td')].map((td) => td.textContent),
  );

describe('GoodsBreakdownCard', () => {
  it("asks for the page's scope by SKU, top 10, and shows every row with its share", async () => {
    const { calls } = setup();
    await waitFor(() => expect(tableRows()).toHaveLength(4));
    expect(calls).toEqual([
      {
        name: '猫砂',
        startTime: '2026-11-01',
        endTime: '2026-11-30',
        dimension: 'sku',
        limit: 10,
      },
    ]);
    expect(tableRows()).toEqual([
      [EVIL, '3', '2', '¥1,234,000.10', '50.00%'],
      ['华东仓（1001）', '1', '1', '¥567.00', '16.67%'],
      ['其他其余标签合计', '1', '1', '¥0.10', '13.33%'],
      ['无标签订单无此类标签', '1', '1', '¥0.20', '20.00%'],
    ]);
    const total = screen.getByTestId('goods-table').querySelector('.goods-total') as HTMLElement;
    expect([...total.querySelectorAll('td')].map((td) => td.textContent)).toEqual([
      '合计（去重）',
      '5',
      '4',
      '¥1,234,567.30',
      '100.00%',
    ]);
    expect(screen.getByTestId('chart-stub').textContent).toBe(`${EVIL}|华东仓（1001）|其他|无标签`);
    // Label names are text, never markup.
    expect(screen.getByTestId('goods-table').querySelector('img')).toBeNull();
  });

  it('follows the dimension and limit kept in the URL, and changes the dimension on a click', async () => {
    const { calls } = setup('/effect?name=x&dim=brand&limit=20');
    await waitFor(() => expect(calls).toHaveLength(1));
    expect(calls[0]).toMatchObject({ dimension: 'brand', limit: 20 });
    await waitFor(() => expect(tableRows()).toHaveLength(4));
    const header = screen.getByTestId('goods-table').querySelector('thead th');
    expect(header?.textContent).toBe('品牌');

    await act(async () => {
      fireEvent.click(screen.getByText('门店'));
    });
    await waitFor(() => expect(calls).toHaveLength(2));
    expect(calls[1]).toMatchObject({ dimension: 'store', limit: 20 });
    const params = new URLSearchParams(screen.getByTestId('where').textContent ?? '');
    expect([params.get('name'), params.get('dim'), params.get('limit')]).toEqual([
      'x',
      'store',
      '20',
    ]);
  });

  it('clamps a limit typed into the URL to what the API accepts', async () => {
    const { calls } = setup('/effect?limit=500&dim=warehouse');
    await waitFor(() => expect(calls).toHaveLength(1));
    expect(calls[0]).toMatchObject({ dimension: 'sku', limit: 100 });
  });
});
