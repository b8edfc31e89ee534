import { parseIdentityMappingCsv, UnreadableMappingError } from './identity-mapping-csv';

const csv = (text: string) => Buffer.from(text, 'utf8');

describe('parseIdentityMappingCsv', () => {
  it('reads columns by header name in any order and case, with or without BOM', () => {
    for (const bom of ['', '\ufeff']) {
      const out = parseIdentityMappingCsv(
        csv(`${bom}Owner_UserId, MOBILE ,External_UserId\r\nm1,+86 138 0000 0001,wm1\r\n`),
      );
      expect(out).toEqual({
        rows: 1,
        entries: [
          {
            line: 2,
            externalUserId: 'wm1',
            mobile: '13800000001',
            buyerColumn: 'mobile',
            buyerValue: '+86 138 0000 0001',
            ownerUserid: 'm1',
          },
        ],
        rejections: [],
      });
    }
  });

  it('takes the customer id over the mobile when a row gives both; counts lines of quoted fields', () => {
    const out = parseIdentityMappingCsv(
      csv('external_userid,customer_id,mobile\n"wm\n1",7,13800000001\nwm2,,13800000002\n'),
    );
    expect(out.entries.map((e) => [e.line, e.externalUserId, e.customerId, e.mobile])).toEqual([
      [2, 'wm\n1', 7, undefined],
      [4, 'wm2', undefined, '13800000002'],
    ]);
  });

  it.each([
    ['wm1,0', 'customer_id', 'bad_customer_id'],
    ['wm1,-3', 'customer_id', 'bad_customer_id'],
    ['wm1,1.5', 'customer_id', 'bad_customer_id'],
    ['wm1,,abc', 'mobile', 'bad_mobile'],
    ['wm1,,', 'customer_id', 'missing'],
    [',1', 'external_userid', 'missing'],
    [`${'x'.repeat(129)},1`, 'external_userid', 'too_long'],
    [`wm1,1,,${'m'.repeat(65)}`, 'owner_userid', 'too_long'],
  ])('rejects %j: %s %s', (row, column, reason) => {
    const out = parseIdentityMappingCsv(
      csv(`external_userid,customer_id,mobile,owner_userid\n${row}\n`),
    );
    expect(out.entries).toEqual([]);
    expect(out.rejections).toEqual([
      { line: 2, column, value: expect.any(String), reason, message: expect.any(String) },
    ]);
  });

  it.each([
    ['empty', ''],
    ['no buyer column', 'external_userid\nwm1\n'],
    ['no contact column', 'customer_id\n1\n'],
    ['unknown column', 'external_userid,customer_id,name\nwm1,1,甲\n'],
    ['column twice', 'external_userid,customer_id,customer_id\nwm1,1,2\n'],
  ])('refuses a file with %s', (_what, text) => {
    expect(() => parseIdentityMappingCsv(csv(text))).toThrow(UnreadableMappingError);
  });
});
