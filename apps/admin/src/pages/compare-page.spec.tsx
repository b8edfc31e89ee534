/**
 * @jest-environment jsdom
 */
import '../../test/utils/jsdom-polyfills';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { App } from 'antd';
import { MemoryRouter } from 'react-router-dom';
import type { ApiClient } from '../api/api-client';
import { ApiContext } from '../api/api-context';
import type { CompareQuery, PushFigures, RuleFigures } from '../api/types';
import { ComparePage } from './compare-page';

jest.mock('../components/echarts-core', () => ({ echarts: {} }));
jest.mock('echarts-for-react/lib/core', () => ({
  __esModule: true,
  default: (props: { option: { series: { name: string }[] } }) => (
    <div data-testid="chart-stub">{props.option.series.map((s) => s.name).join('|')}</div>
  ),
}));

const figures = (n: number): PushFigures => ({
  pushCount: 1000 * n,
  failCount: n,
  successCount: 1000 * n - n,
  successRate: 0.999,
  executedCount: 10 * n,
  deliveredCount: 9 * n,
  notFriendCount: n,
  overCapCount: 0,
  orderCount: 3 * n,
  buyerCount: 2 * n,
  revenue: `${1000 * n}.05`,
  orderConversionRate: 0.0031,
  userConversionRate: 0.0025,
});

const EVIL = '<b>黑五</b> 召回';

function setup(url: string) {
  const calls: CompareQuery[] = [];
  const api = {
    listRules: jest.fn(async () => ({
      data: [{ id: 3, name: EVIL, createTime: '', status: 0, usefulTime: '' }],
      total: 1,
      page: 1,
      pagesize: 50,
      pages: 1,
    })),
    effectCompare: jest.fn(async (q: CompareQuery): Promise<RuleFigures[]> => {
      calls.push(q);
      return q.ids.map((id) => ({
        pushId: id,
        ruleName: id === 3 ? EVIL : `规则${id}`,
        ...figures(id),
        holdoutLift:
          id === 3
            ? {
                treatedRecipients: 2700,
                treatedUserConversionRate: 0.052,
                controlRecipients: 300,
                controlUserConversionRate: 0.034,
                absolute: 0.018,
                relative: 0.5294,
                ci95: [0.0061, 0.0302],
                pValue: 0.004,
                significant: true,
              }
            : null,
      }));
    }),
  } as unknown as ApiClient;
  const view = render(
    <MemoryRouter initialEntries={[url]}>
      <App>
        <ApiContext.Provider value={api}>
          <ComparePage />
        </ApiContext.Provider>
      </App>
    </MemoryRouter>,
  );
  return { calls, view };
}

const table = () => screen.getByTestId('compare-table');

describe('ComparePage', () => {
  it('compares the rules of the URL in their order, one column per rule', async () => {
    const { calls } = setup('/compare?ids=3,1&from=2026-11-01&to=2026-11-30');
    await waitFor(() =>
      expect(table().querySelectorAll('tbody tr.ant-table-row')).toHaveLength(16),
    );
    expect(calls).toEqual([{ ids: [3, 1], startTime: '2026-11-01', endTime: '2026-11-30' }]);
    const headers = [...table().querySelectorAll('thead th')].map((th) => th.textContent);
    expect(headers).toEqual(['指标', `${EVIL}（3）`, '规则1（1）']);
    const cells = (title: string) => {
      const tr = [...table().querySelectorAll('tbody tr.ant-table-row')].find(
        (r) => r.querySelector('td')?.textContent === title,
      );
      return [...(tr?.querySelectorAll('td') ?? [])].map((td) => td.textContent);
    };
    expect(cells('推送人数')).toEqual(['推送人数', '3,000', '1,000']);
    expect(cells('失败人数')).toEqual(['失败人数', '3', '1']);
    expect(cells('订单转化率')).toEqual(['订单转化率', '0.31%', '0.31%']);
    expect(cells('营收（元）')).toEqual(['营收（元）', '¥3,000.05', '¥1,000.05']);
    expect(cells('对照组人数')).toEqual(['对照组人数', '300', '—']);
    expect(cells('对照组购买转化率')).toEqual(['对照组购买转化率', '3.40%', '—']);
    expect(cells('转化提升（95% 区间）')).toEqual([
      '转化提升（95% 区间）',
      '+1.8 个百分点（0.6–3.0） 显著',
      '—',
    ]);
    expect(screen.getByTestId('chart-stub').textContent).toBe(`${EVIL}（3）|规则1（1）`);
    expect(table().querySelector('b')).toBeNull();
  });

  it('refuses more than ten rules from the URL without asking the API', async () => {
    const { calls } = setup('/compare?ids=1,2,3,4,5,6,7,8,9,10,11');
    await screen.findByText('最多同时对比 10 个推送');
    expect(calls).toEqual([]);
  });

  it('asks for at least one rule before comparing', async () => {
    const { calls, view } = setup('/compare');
    const button = view.container.querySelector('.compare-form button.ant-btn-primary');
    expect(button?.textContent?.replace(/\s/g, '')).toBe('对比');
    await act(async () => {
      fireEvent.click(button as Element);
    });
    await screen.findByText('请至少选择一个推送');
    expect(calls).toEqual([]);
  });
});
