import { filenameFromDisposition } from './content-disposition';

describe('filenameFromDisposition', () => {
  it('reads the quoted file name the report endpoint sends', () => {
    expect(
      filenameFromDisposition(
        'attachment; filename="wechatpush-report-week-2026-11-01-2026-11-30.csv"',
      ),
    ).toBe('wechatpush-report-week-2026-11-01-2026-11-30.csv');
  });

  it('reads a bare file name and ignores the parameters around it', () => {
    expect(filenameFromDisposition('attachment; filename=report.csv; size=10')).toBe('report.csv');
    expect(filenameFromDisposition('Attachment;FILENAME=a.csv')).toBe('a.csv');
  });

  it('prefers the UTF-8 filename* over filename', () => {
    expect(
      filenameFromDisposition(
        `attachment; filename="report.csv"; filename*=UTF-8''${encodeURIComponent('推送周报.csv')}`,
      ),
    ).toBe('推送周报.csv');
  });

  it('falls back to filename when filename* is malformed or not UTF-8', () => {
    expect(filenameFromDisposition(`attachment; filename*=UTF-8''%E4%ZZ; filename="a.csv"`)).toBe(
      'a.csv',
    );
    expect(filenameFromDisposition(`attachment; filename*=iso-8859-1''b.csv; filename=a.csv`)).toBe(
      'a.csv',
    );
  });

  it('unescapes quoted characters', () => {
    expect(filenameFromDisposition('attachment; filename="a \\"b\\".csv"')).toBe('a "b".csv');
  });

  it('keeps only the last path segment and drops control characters', () => {
    expect(filenameFromDisposition('attachment; filename="../../etc/passwd"')).toBe('passwd');
    expect(filenameFromDisposition('attachment; filename="C:\\\\temp\\\\x.csv"')).toBe('x.csv');
    expect(filenameFromDisposition('attachment; filename="a\u0001b.csv"')).toBe('ab.csv');
  });

  it('is undefined without a usable name', () => {
    expect(filenameFromDisposition(null)).toBeUndefined();
    expect(filenameFromDisposition('')).toBeUndefined();
    expect(filenameFromDisposition('attachment')).toBeUndefined();
    expect(filenameFromDisposition('attachment; filename=""')).toBeUndefined();
    expect(filenameFromDisposition('attachment; filename=".."')).toBeUndefined();
  });
});
