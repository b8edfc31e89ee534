import { explainDayWindow, minusDays, shanghaiToday } from './day-window';

describe('explainDayWindow', () => {
  it.each<[number, number, string, string, string]>([
    [30, 45, '最后一次购买在 45 天前到 30 天前之间', '2025-01-17 00:00:00', '2025-02-01 23:59:59'],
    [0, 7, '最后一次购买在 7 天前到今天之间', '2025-02-24 00:00:00', '2025-03-03 23:59:59'],
    [10, 10, '最后一次购买在 10 天前当天', '2025-02-21 00:00:00', '2025-02-21 23:59:59'],
    [0, 0, '最后一次购买在今天', '2025-03-03 00:00:00', '2025-03-03 23:59:59'],
  ])('d=%i, L=%i (today 2025-03-03)', (d, l, text, from, to) => {
    expect(explainDayWindow(d, l, '2025-03-03')).toEqual({ text, from, to });
  });

  it.each<[number | null, number | null]>([
    [null, 45],
    [30, null],
    [46, 45],
    [-1, 3],
    [1.5, 3],
  ])('has no window for d=%p, L=%p', (d, l) => {
    expect(explainDayWindow(d, l, '2025-03-03')).toBeUndefined();
  });
});

describe('Shanghai calendar', () => {
  it('takes today in Asia/Shanghai, not in the browser zone', () => {
    // 2025-03-02 17:30 UTC is already 2025-03-03 01:30 in Shanghai.
    expect(shanghaiToday(new Date('2025-03-02T17:30:00Z'))).toBe('2025-03-03');
    expect(shanghaiToday(new Date('2025-03-02T15:59:59Z'))).toBe('2025-03-02');
  });

  it('subtracts across month and leap-year boundaries', () => {
    expect(minusDays('2024-03-01', 1)).toBe('2024-02-29');
    expect(minusDays('2025-01-01', 1)).toBe('2024-12-31');
    expect(minusDays('2025-03-03', 0)).toBe('2025-03-03');
  });
});
