import {
  compareSelectionError,
  figureText,
  GOODS_DIMENSIONS,
  goodsRowLabel,
  MAX_COMPARE,
  parseDimension,
  parseLimit,
  parseRuleIds,
  rangeRequired,
  shareSum,
  yuanText,
} from './analysis';
import type { PushFigures } from '../api/types';

describe('goods breakdown settings', () => {
  it('offers the five dimensions of the API with Chinese names', () => {
    expect(GOODS_DIMENSIONS.map((d) => [d.value, d.label])).toEqual([
      ['sku', 'SKU'],
      ['brand', '品牌'],
      ['category', '品类'],
      ['city', '城市'],
      ['store', '门店'],
    ]);
  });

  it('reads a dimension from the URL, defaulting to SKU', () => {
    expect(parseDimension('brand')).toBe('brand');
    expect(parseDimension('store')).toBe('store');
    expect(parseDimension(null)).toBe('sku');
    expect(parseDimension('warehouse')).toBe('sku');
    expect(parseDimension('constructor')).toBe('sku');
  });

  it('keeps the limit a whole number within the API range 1..100, default 10', () => {
    expect(parseLimit('20')).toBe(20);
    expect(parseLimit(50)).toBe(50);
    expect(parseLimit(null)).toBe(10);
    expect(parseLimit('')).toBe(10);
    expect(parseLimit('  ')).toBe(10);
    expect(parseLimit('abc')).toBe(10);
    expect(parseLimit('0')).toBe(1);
    expect(parseLimit('-5')).toBe(1);
    expect(parseLimit('1000')).toBe(100);
    expect(parseLimit('7.9')).toBe(7);
    expect(parseLimit('Infinity')).toBe(10);
  });

  it('names a label row with its id when the id is not its name', () => {
    expect(goodsRowLabel({ id: '1001', name: '华东仓', bucket: 'label' })).toBe('华东仓（1001）');
    expect(goodsRowLabel({ id: '皇家', name: '皇家', bucket: 'label' })).toBe('皇家');
    expect(goodsRowLabel({ id: 'SKU-9', name: '', bucket: 'label' })).toBe('SKU-9');
    expect(goodsRowLabel({ id: null, name: '其他', bucket: 'other' })).toBe('其他');
    expect(goodsRowLabel({ id: null, name: '无标签', bucket: 'unlabelled' })).toBe('无标签');
  });

  it('adds the 4-decimal shares without floating-point noise', () => {
    expect(shareSum([{ share: 0.3333 }, { share: 0.3333 }, { share: 0.3334 }])).toBe(1);
    expect(shareSum([{ share: 0.1 }, { share: 0.2 }])).toBe(0.3);
    expect(shareSum([])).toBe(0);
  });
});

describe('rule comparison settings', () => {
  it('reads rule ids from the URL: positive whole numbers, each once, in order', () => {
    expect(parseRuleIds('3,1,7')).toEqual([3, 1, 7]);
    expect(parseRuleIds(' 3 , 3,x,0,-2,1.5,,8')).toEqual([3, 8]);
    expect(parseRuleIds(null)).toEqual([]);
    expect(parseRuleIds('99999999999999999999')).toEqual([]);
  });

  it('asks for 1 to 10 rules', () => {
    expect(MAX_COMPARE).toBe(10);
    expect(compareSelectionError([])).toBe('请至少选择一个推送');
    expect(compareSelectionError([1])).toBeUndefined();
    expect(compareSelectionError([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])).toBeUndefined();
    expect(compareSelectionError([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])).toBe(
      '最多同时对比 10 个推送',
    );
  });

  it('requires both ends of a date range', () => {
    expect(rangeRequired(undefined)).toBe('请选择日期范围');
    expect(rangeRequired(null)).toBe('请选择日期范围');
    expect(rangeRequired([new Date(), null])).toBe('请选择日期范围');
    expect(rangeRequired([new Date(), new Date()])).toBeUndefined();
  });

  it('shows counts with separators and rates as percentages', () => {
    const f = { pushCount: 12000, successRate: 0.9998 } as PushFigures;
    expect(figureText(f, 'pushCount')).toBe('12,000');
    expect(figureText(f, 'successRate')).toBe('99.98%');
    expect(figureText({ ...f, revenue: '1234.50' }, 'revenue')).toBe('¥1,234.50');
  });
});

describe('revenue', () => {
  it.each([
    ['0.00', '¥0.00'],
    ['0.30', '¥0.30'],
    ['999.99', '¥999.99'],
    ['1000.00', '¥1,000.00'],
    ['12345678901234567.89', '¥12,345,678,901,234,567.89'], // from the text: no float rounding
    ['-5.10', '-¥5.10'],
  ])('%s yuan reads %s', (s, text) => {
    expect(yuanText(s)).toBe(text);
  });
});
