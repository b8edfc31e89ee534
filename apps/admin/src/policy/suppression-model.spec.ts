import { describeRowError, notImported, parseIdList } from './suppression-model';

describe('suppression list helpers', () => {
  it('reads ids one per line or comma separated, without blanks and repeats', () => {
    expect(parseIdList(' wm-1\nwm-2, wm-3，wm-4;wm-1\r\n\n  ')).toEqual([
      'wm-1',
      'wm-2',
      'wm-3',
      'wm-4',
    ]);
    expect(parseIdList(' \n ,')).toEqual([]);
  });

  it('words the import row errors, keeping an unknown code’s message', () => {
    const row = { row: 3, value: '', message: 'external id is empty' };
    expect(describeRowError({ ...row, code: 'EMPTY_ID' })).toBe('缺少 external_userid');
    expect(describeRowError({ ...row, code: 'DUPLICATE_IN_FILE' })).toBe('与文件中前面的行重复');
    expect(describeRowError({ ...row, code: 'SOMETHING_NEW' })).toBe('external id is empty');
  });

  it('counts the rows not imported from the totals, not from the (capped) error list', () => {
    expect(notImported({ rows: 2005, added: 3, alreadySuppressed: 2, errors: [] })).toBe(2000);
  });
});
