import { hasIdentifier, normaliseBuyer, normaliseMobile } from './buyer-identifiers';

describe('buyer identifiers', () => {
  it.each([
    ['13800000001', '13800000001'],
    ['138 0000-0001', '13800000001'],
    ['+86 138 0000 0001', '13800000001'],
    ['008613800000001', '13800000001'],
    ['+852 9123 4567', '+85291234567'],
    ['  ', undefined],
    ['--', undefined],
    [undefined, undefined],
  ])('mobile %p is the key %p', (raw, key) => {
    expect(normaliseMobile(raw)).toBe(key);
  });

  it('trims identifiers, drops empties and a non-positive customer id', () => {
    expect(
      normaliseBuyer({ customerId: 0, unionid: ' u1 ', youzanBuyerId: '', nickname: ' 小明 ' }),
    ).toEqual({
      customerId: undefined,
      unionid: 'u1',
      youzanBuyerId: undefined,
      mobile: undefined,
      nickname: '小明',
    });
  });

  it('a nickname alone is no identifier', () => {
    expect(hasIdentifier(normaliseBuyer({ nickname: '小明' }))).toBe(false);
    expect(hasIdentifier(normaliseBuyer({ youzanBuyerId: 'yz1' }))).toBe(true);
  });
});
