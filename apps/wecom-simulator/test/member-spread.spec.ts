import { fnv1a32 } from '../src/simulator-state.service';

describe('fnv1a32: the simulator spreads customers over members', () => {
  it.each([
    ['', 0x811c9dc5],
    ['a', 0xe40c292c],
    ['foobar', 0xbf9cf968],
  ])('matches the FNV-1a reference value for %j', (text, expected) => {
    expect(fnv1a32(text)).toBe(expected);
  });

  it('spreads 30,000 bench-shaped ids evenly over 3 members (each within 5 % of a third)', () => {
    const counts = [0, 0, 0];
    for (let i = 0; i < 30_000; i++) counts[fnv1a32(`wmBench${String(i).padStart(7, '0')}`) % 3]++;
    for (const n of counts) expect(Math.abs(n - 10_000)).toBeLessThan(500);
  });
});
