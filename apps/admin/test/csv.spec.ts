import { parseCsv } from './utils/csv';

describe('parseCsv (reads the downloaded reports back)', () => {
  it('splits records and fields', () => {
    expect(parseCsv('a,b,c\r\n1,2,3\r\n')).toEqual([
      ['a', 'b', 'c'],
      ['1', '2', '3'],
    ]);
    expect(parseCsv('a,b\n1,2')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
  });

  it('reads quoted fields with commas, doubled quotes and line breaks', () => {
    expect(parseCsv('1,"其他, ""测试""","两\r\n行",x\r\n')).toEqual([
      ['1', '其他, "测试"', '两\r\n行', 'x'],
    ]);
  });

  it('keeps empty fields, also at the end of a record', () => {
    expect(parseCsv(',a,\r\n"",\r\n')).toEqual([
      ['', 'a', ''],
      ['', ''],
    ]);
  });

  it('returns no records for empty text and refuses an open quote', () => {
    expect(parseCsv('')).toEqual([]);
    expect(() => parseCsv('"abc')).toThrow('quoted field');
  });
});
