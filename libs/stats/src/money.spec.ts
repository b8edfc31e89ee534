import { decimalSum, fenOf, fenToYuan, yuan } from './money';

describe('money: exact yuan', () => {
  it.each([
    [null, '0.00'],
    [undefined, '0.00'],
    ['0.30', '0.30'],
    ['12', '12.00'],
    ['12.5', '12.50'],
    [0.3, '0.30'],
    ['-4.10', '-4.10'],
    ['123456789012345678.99', '123456789012345678.99'],
  ])('yuan(%p) = %s', (v, s) => {
    expect(yuan(v)).toBe(s);
  });

  it('refuses what is not a decimal', () => {
    expect(() => yuan('abc')).toThrow('not a decimal amount');
  });

  it('adds in fen: 0.1 + 0.2 is 0.30, not 0.30000000000000004', () => {
    expect(fenToYuan(fenOf('0.10') + fenOf('0.2'))).toBe('0.30');
    expect(fenToYuan(fenOf(null) + fenOf('99999999.99') * 3)).toBe('299999999.97');
    expect(fenToYuan(fenOf('-0.05'))).toBe('-0.05');
  });

  it('sums decimal texts of any scale exactly', () => {
    expect(decimalSum([])).toBe('0.00');
    expect(decimalSum(['0.10', '0.2'])).toBe('0.30');
    expect(decimalSum(['22650.2500', '106.0900', '0.0001'])).toBe('22756.3401');
    expect(decimalSum(['-1.005', '1'])).toBe('-0.005');
    expect(decimalSum(['123456789012345678.99', '0.01'])).toBe('123456789012345679.00');
    expect(() => decimalSum(['1e3'])).toThrow('not a decimal amount');
  });
});
