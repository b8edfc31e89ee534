import { shanghaiInstant } from '@app/common';
import { audienceCriteria, audienceWindow, labelCriteria } from './audience-rule';

describe('audienceWindow', () => {
  it.each([
    // [now in Shanghai, d, L, from, to]
    ['2025-03-15 10:00:00', 30, 45, '2025-01-29 00:00:00', '2025-02-13 23:59:59'],
    ['2025-03-15 00:00:00', 30, 45, '2025-01-29 00:00:00', '2025-02-13 23:59:59'],
    ['2025-03-15 23:59:59', 30, 45, '2025-01-29 00:00:00', '2025-02-13 23:59:59'],
    ['2025-03-15 10:00:00', 0, 0, '2025-03-15 00:00:00', '2025-03-15 23:59:59'],
    ['2024-03-01 08:00:00', 1, 1, '2024-02-29 00:00:00', '2024-02-29 23:59:59'],
    ['2025-01-01 00:30:00', 0, 365, '2024-01-02 00:00:00', '2025-01-01 23:59:59'],
  ])('now %s, d=%i, L=%i → [%s, %s]', (now, d, l, from, to) => {
    const [date, time] = now.split(' ');
    const at = shanghaiInstant(date, time);
    expect(audienceWindow({ lastOrderDay: d, lastOrderDayLimit: l }, at)).toEqual({ from, to });
  });

  it('takes "today" from Shanghai, not from the instant in UTC', () => {
    // 2025-03-14T16:30Z is 00:30 on the 15th in Shanghai.
    const at = new Date('2025-03-14T16:30:00Z');
    expect(audienceWindow({ lastOrderDay: 0, lastOrderDayLimit: 0 }, at)).toEqual({
      from: '2025-03-15 00:00:00',
      to: '2025-03-15 23:59:59',
    });
  });

  it.each([
    [31, 30],
    [-1, 30],
    [1.5, 30],
    [0, 3651],
  ])('rejects lastOrderDay=%p, lastOrderDayLimit=%p', (d, l) => {
    expect(() => audienceWindow({ lastOrderDay: d, lastOrderDayLimit: l }, new Date())).toThrow(
      RangeError,
    );
  });
});

describe('labelCriteria', () => {
  it('splits on ASCII and full-width commas, trims, drops empties and repeats', () => {
    expect(
      labelCriteria({
        lastOrderDay: 0,
        lastOrderDayLimit: 0,
        cityLabels: ' 上海，北京 ,,上海',
        storeLabels: '1001',
        brandLabels: null,
        cateLabels: undefined,
        skuLabels: 'SKU1,SKU2',
      }),
    ).toEqual({
      cityNames: ['上海', '北京'],
      warehouseBindIds: ['1001'],
      categoryBindIds: [],
      brandNames: [],
      skuBindIds: ['SKU1', 'SKU2'],
    });
  });

  it.each([
    [{}, false],
    [{ cityLabels: ' , ，' }, false],
    [{ skuLabels: 'SKU1' }, true],
  ])('%p has labels: %p', (labels, expected) => {
    const c = audienceCriteria({ lastOrderDay: 0, lastOrderDayLimit: 1, ...labels }, new Date());
    expect(c.hasLabels).toBe(expected);
  });
});
