import {
  confirmOffer,
  describeCreator,
  formatBytes,
  isActive,
  isOrderFileName,
  progressOf,
  REJECT_REASON_WORDS,
} from './order-import-model';

describe('the order import in the console', () => {
  it('words every rejection code the API documents in Chinese', () => {
    // The Record type makes the compiler ask for each code; none may be left in English.
    for (const [code, words] of Object.entries(REJECT_REASON_WORDS)) {
      expect([code, /[\u4e00-\u9fff]/.test(words)]).toEqual([code, true]);
    }
    expect(Object.keys(REJECT_REASON_WORDS)).toHaveLength(14);
  });

  it.each([
    ['queued', 0, 'normal', '排队中'],
    ['running', 100, 'active', '已读 1,200 行'],
    ['done', 100, 'success', '已读 1,200 行'],
    ['failed', 100, 'exception', '失败'],
    ['cancelled', 100, 'exception', '已取消，已读 1,200 行'],
  ] as const)('progress of a %s import', (state, percent, status, text) => {
    expect(progressOf({ state, rowsRead: 1200, cancelRequested: false })).toEqual({
      percent,
      status,
      text,
    });
  });

  it('says a running import is being cancelled once asked', () => {
    expect(progressOf({ state: 'running', rowsRead: 3, cancelRequested: true }).text).toBe(
      '正在取消，已读 3 行',
    );
  });

  // prettier-ignore
  it.each([
    ['a clean dry run', { dryRun: true, state: 'done', ordersAccepted: 2, rowsRejected: 0 }, { clean: true }],
    ['a dry run with rejections', { dryRun: true, state: 'done', ordersAccepted: 2, rowsRejected: 3 }, { clean: false }],
    ['a dry run nothing passed', { dryRun: true, state: 'done', ordersAccepted: 0, rowsRejected: 3 }, undefined],
    ['a running dry run', { dryRun: true, state: 'running', ordersAccepted: 2, rowsRejected: 0 }, undefined],
    ['a failed dry run', { dryRun: true, state: 'failed', ordersAccepted: 0, rowsRejected: 0 }, undefined],
    ['a real import', { dryRun: false, state: 'done', ordersAccepted: 2, rowsRejected: 0 }, undefined],
  ] as const)('offers to import for real after %s', (_what, imp, offer) => {
    expect(confirmOffer(imp)).toEqual(offer);
  });

  it('polls only while an import is queued or running', () => {
    const states = ['queued', 'running', 'done', 'failed', 'cancelled'] as const;
    expect(states.filter(isActive)).toEqual(['queued', 'running']);
  });

  it.each([
    [512, '512 B'],
    [3482, '3.4 KB'],
    [12 * 1024 * 1024, '12.0 MB'],
  ])('formats %i bytes as %s', (n, text) => expect(formatBytes(n)).toBe(text));

  it.each([
    ['operator:3', '操作员 #3'],
    ['cli', '命令行'],
    ['someone', 'someone'],
  ])('names the creator %s as %s', (by, text) => expect(describeCreator(by)).toBe(text));

  it.each([
    ['orders.csv', true],
    ['订单导出.XLSX', true],
    ['orders.xls', false],
    ['orders.pdf', false],
  ])('%s is an order file name: %p', (name, ok) => expect(isOrderFileName(name)).toBe(ok));
});
