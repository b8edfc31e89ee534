import { periodDays } from './effect-analysis.service';
import { csvField, reportCsv } from './report-csv';

describe('report CSV', () => {
  it('quotes fields with a comma, quote or line break (RFC 4180), others as they are', () => {
    expect(csvField('猫砂召回')).toBe('猫砂召回');
    expect(csvField(0.6667)).toBe('0.6667');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    // Formula injection through a rule name: defused; negative numbers stay numbers.
    for (const evil of [
      '=HYPERLINK("x")',
      '+1',
      '-1+2',
      '@SUM(A1)',
      '\tx',
      '＝1+1',
      '＋1',
      '－1',
      '＠x',
    ])
      expect(csvField(evil).replace(/^"/, '').startsWith("'")).toBe(true);
    expect(csvField(-0.5)).toBe('-0.5');
  });

  it('starts with the BOM and the Chinese header line, CRLF line ends', () => {
    const csv = reportCsv([]);
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    expect(csv.slice(1)).toBe(
      '周期,开始日期,结束日期,规则ID,规则名称,推送人数,失败人数,成功人数,成功率,员工执行人数,送达人数,非好友人数,超上限人数,下单数,下单人数,营收(元),订单转化率,用户转化率,对照组人数,对照组用户转化率,转化提升,提升95%下限,提升95%上限,提升显著\r\n',
    );
  });
});

describe('periodDays', () => {
  it.each([
    ['week', '2026-W48', '2026-11-23', '2026-11-29'],
    ['week', '2026-W01', '2025-12-29', '2026-01-04'], // ISO week-year across the new year
    ['week', '2020-W53', '2020-12-28', '2021-01-03'],
    ['month', '2026-02', '2026-02-01', '2026-02-28'],
    ['month', '2024-02', '2024-02-01', '2024-02-29'],
  ] as const)('%s %s → %s … %s', (granularity, period, from, to) => {
    expect(periodDays(granularity, period)).toEqual([from, to]);
  });
});
