import { SeenOrderNumbers } from './seen-order-numbers';

describe('SeenOrderNumbers: the order numbers a file has finished', () => {
  it('answers the line a number was first seen on, and nothing for one never seen', () => {
    const seen = new SeenOrderNumbers();
    seen.set('E20250401001', 2);
    seen.set('E20250401002', 4);
    expect(seen.get('E20250401001')).toBe(2);
    expect(seen.get('E20250401002')).toBe(4);
    expect(seen.get('E20250401003')).toBeUndefined();
    // Exact strings: case, spaces and a one-character difference are other numbers.
    expect(seen.get('e20250401001')).toBeUndefined();
    expect(seen.get('E20250401001 ')).toBeUndefined();
    expect(seen.get('')).toBeUndefined();
  });

  it('keeps every number through its growth (50,000 sequential numbers, none mistaken)', () => {
    const seen = new SeenOrderNumbers();
    const n = 50_000;
    for (let i = 0; i < n; i++) seen.set(`BI2512060130-${String(i).padStart(9, '0')}`, i + 2);
    let wrong = 0;
    for (let i = 0; i < n; i++) {
      if (seen.get(`BI2512060130-${String(i).padStart(9, '0')}`) !== i + 2) wrong++;
      if (seen.get(`BI2512060130-${String(i + n).padStart(9, '0')}`) !== undefined) wrong++;
    }
    expect(wrong).toBe(0);
  });
});
