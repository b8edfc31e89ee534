import { IMPORT_ERRORS_MAX, parseSuppressionCsv, UnreadableCsvError } from './suppression-csv';

const csv = (text: string) => Buffer.from(text, 'utf8');

describe('parseSuppressionCsv', () => {
  it.each([
    ['external_userid'],
    ['externalUserId'],
    ['EXTERNAL_USERID'],
    ['客户ID'],
    ['客户id'],
    ['External ID'],
  ])('takes a first row whose first cell is %s for a header', (header) => {
    const out = parseSuppressionCsv(csv(`${header},原因\nwm1,投诉\n`));
    expect(out).toEqual({
      rows: 1,
      entries: [{ externalUserId: 'wm1', reason: '投诉' }],
      errors: [],
    });
  });

  it('reads a file without a header, a header-like value later being an id', () => {
    const out = parseSuppressionCsv(csv('wm1\nexternal_userid\n'));
    expect(out.rows).toBe(2);
    expect(out.entries.map((e) => e.externalUserId)).toEqual(['wm1', 'external_userid']);
  });

  it('strips a BOM, skips blank lines and blank rows, trims cells, reads quoted fields', () => {
    const out = parseSuppressionCsv(
      csv(
        '\ufeffexternal_userid,reason\r\n\r\n  wm1  ,"a, b"\r\n,,\r\n"wm""2",\r\n"wm3","two\r\nlines"\r\nwm4\r\n',
      ),
    );
    expect(out).toEqual({
      rows: 4,
      entries: [
        { externalUserId: 'wm1', reason: 'a, b' },
        { externalUserId: 'wm"2', reason: null },
        { externalUserId: 'wm3', reason: 'two\r\nlines' },
        { externalUserId: 'wm4', reason: null },
      ],
      errors: [],
    });
  });

  it('reports each bad row with its line in the file (header and blank lines counted)', () => {
    const long = 'x'.repeat(129);
    const out = parseSuppressionCsv(
      csv(
        [
          'external_userid,reason', // 1
          'wm1', // 2
          '', // 3
          ',没有 ID', // 4
          long, // 5
          `wm2,${'因'.repeat(256)}`, // 6
          '"wm3","a', // 7
          'b"', // 8
          'wm1', // 9
          `${'中'.repeat(128)}`, // 10: 128 characters is allowed
          `wm4,${'因'.repeat(255)}`, // 11
        ].join('\n'),
      ),
    );
    expect(out.rows).toBe(8);
    expect(out.entries.map((e) => e.externalUserId)).toEqual([
      'wm1',
      'wm3',
      '中'.repeat(128),
      'wm4',
    ]);
    expect(out.errors).toEqual([
      { row: 4, value: '', code: 'EMPTY_ID', message: expect.any(String) },
      { row: 5, value: long, code: 'ID_TOO_LONG', message: expect.any(String) },
      { row: 6, value: 'wm2', code: 'REASON_TOO_LONG', message: expect.any(String) },
      {
        row: 9,
        value: 'wm1',
        code: 'DUPLICATE_IN_FILE',
        message: 'external_userid already on row 2',
      },
    ]);
  });

  it(`lists at most ${IMPORT_ERRORS_MAX} errors but counts every row`, () => {
    const out = parseSuppressionCsv(
      csv(
        Array(IMPORT_ERRORS_MAX + 5)
          .fill(',x')
          .join('\n'),
      ),
    );
    expect(out.rows).toBe(IMPORT_ERRORS_MAX + 5);
    expect(out.errors).toHaveLength(IMPORT_ERRORS_MAX);
    expect(out.errors.at(-1)?.row).toBe(IMPORT_ERRORS_MAX);
  });

  it('reads an empty file as no rows', () => {
    expect(parseSuppressionCsv(csv(''))).toEqual({ rows: 0, entries: [], errors: [] });
  });

  it.each([
    ['an unclosed quote', csv('wm1,"open\n')],
    ['a quote inside an unquoted field', csv('wm1,a"b"\n')],
    ['bytes that are not UTF-8 (GBK)', Buffer.from([0xbf, 0xcd, 0xbb, 0xa7, 0x0a])],
    ['a binary file', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00])],
  ])('refuses %s as unreadable', (_what, buffer) => {
    expect(() => parseSuppressionCsv(buffer)).toThrow(UnreadableCsvError);
  });
});
