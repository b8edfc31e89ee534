/**
 * @jest-environment jsdom
 */
import '../../test/utils/jsdom-polyfills';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { App } from 'antd';
import type { ApiClient } from '../api/api-client';
import { ApiContext } from '../api/api-context';
import type { ReportQuery } from '../api/types';
import { ReportDownloadCard } from './report-download';

function setup(name?: string) {
  const calls: ReportQuery[] = [];
  const api = {
    reportCsv: jest.fn(async (q: ReportQuery) => {
      calls.push(q);
      return { blob: new Blob(['\uFEFF周期\r\n']), filename: 'wechatpush-report-x.csv' };
    }),
  } as unknown as ApiClient;
  const saved: { name: string; href: string }[] = [];
  URL.createObjectURL = jest.fn(() => 'blob:report');
  URL.revokeObjectURL = jest.fn();
  jest.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (
    this: HTMLAnchorElement,
  ) {
    saved.push({ name: this.download, href: this.getAttribute('href') ?? '' });
  });
  const view = render(
    <App>
      <ApiContext.Provider value={api}>
        <ReportDownloadCard name={name} startTime="2026-11-01" endTime="2026-11-30" />
      </ApiContext.Provider>
    </App>,
  );
  const button = () =>
    view.container.querySelector('[data-testid=report-card] button.ant-btn-primary') as Element;
  return { calls, saved, view, button };
}

afterEach(() => jest.restoreAllMocks());

describe('ReportDownloadCard', () => {
  it("downloads the weekly report of the page's range and name under the API's file name", async () => {
    const { calls, saved, button } = setup('猫砂');
    await act(async () => {
      fireEvent.click(button());
    });
    await waitFor(() => expect(saved).toHaveLength(1));
    expect(calls).toEqual([
      { granularity: 'week', startTime: '2026-11-01', endTime: '2026-11-30', name: '猫砂' },
    ]);
    expect(saved).toEqual([{ name: 'wechatpush-report-x.csv', href: 'blob:report' }]);
    expect(screen.getByText(/仅含名称包含「猫砂」的推送/)).toBeTruthy();
  });

  it('downloads the monthly report once 月报 is chosen, without a name when the page has none', async () => {
    const { calls, button } = setup();
    await act(async () => {
      fireEvent.click(screen.getByText('月报'));
    });
    await act(async () => {
      fireEvent.click(button());
    });
    await waitFor(() => expect(calls).toHaveLength(1));
    expect(calls[0]).toEqual({
      granularity: 'month',
      startTime: '2026-11-01',
      endTime: '2026-11-30',
      name: undefined,
    });
  });

  it('asks for a date range before downloading', async () => {
    const { calls, view, button } = setup();
    const clear = view.container.querySelector('.ant-picker-clear') as Element;
    await act(async () => {
      fireEvent.mouseDown(clear);
      fireEvent.mouseUp(clear);
      fireEvent.click(clear);
    });
    await act(async () => {
      fireEvent.click(button());
    });
    await screen.findByText('请选择日期范围');
    expect(calls).toEqual([]);
  });
});
