import { globalControl, holdoutGroup, variantOf } from './assignment';

const N = 1_000_000;
/** Customer ids shaped like WeCom external_userids, numbered (near-identical inputs are the hard case). */
const id = (i: number) => `wmEXP${i.toString(36).padStart(8, '0')}Q`;

/** |observed − expected| of a share over `n` draws may be at most 5 standard errors. */
function expectShare(count: number, n: number, p: number) {
  const tolerance = 5 * Math.sqrt((p * (1 - p)) / n);
  expect(Math.abs(count / n - p)).toBeLessThanOrEqual(tolerance);
}

describe('deterministic assignment', () => {
  it('pins the draws: the same customer gets the same group in every process and release', () => {
    // Buckets of these ids: holdout:42 → 5408 / 10,000, variant:42 → 37 / 100, global:g1 → 7085 / 10,000.
    // A change here reshuffles every running experiment: only ever on purpose.
    expect(holdoutGroup('wmAbcDEF0123456789', 42, 54.08)).toBe('treated');
    expect(holdoutGroup('wmAbcDEF0123456789', 42, 54.09)).toBe('control');
    expect(globalControl('wmAbcDEF0123456789', 70.85, 'g1')).toBe(false);
    expect(globalControl('wmAbcDEF0123456789', 70.86, 'g1')).toBe(true);
    const weights = [37, 1, 62];
    expect(variantOf('wmAbcDEF0123456789', 42, weights)).toBe(1);
    expect(variantOf('wm_demo_000001', 42, weights)).toBe(0);
    expect(variantOf('客户-甲', 42, weights)).toBe(2);
  });

  it('gives nobody a holdout at 0 % and keeps everybody in control at 100 %', () => {
    const wrong = [];
    for (let i = 0; i < 10_000; i++)
      if (
        holdoutGroup(id(i), 3, 0) !== 'treated' ||
        holdoutGroup(id(i), 3, 100) !== 'control' ||
        globalControl(id(i), 0, 'g1')
      )
        wrong.push(id(i));
    expect(wrong).toEqual([]);
  });

  it('only moves customers from treated to control when the holdout grows', () => {
    let controlAt5 = 0;
    const left = [];
    for (let i = 0; i < 50_000; i++)
      if (holdoutGroup(id(i), 5, 5) === 'control') {
        controlAt5++;
        if (holdoutGroup(id(i), 5, 10) !== 'control') left.push(id(i));
      }
    expect(controlAt5).toBeGreaterThan(2000);
    expect(left).toEqual([]);
  });

  it('on 1M customers: matches the configured shares, independent across rules, variants and the global group', () => {
    const holdout = 10;
    const weights = [50, 30, 20];
    let control1 = 0;
    let control2 = 0;
    let both = 0;
    let globals = 0;
    let globalAndControl = 0;
    const variants = [0, 0, 0];
    const controlByVariant = [0, 0, 0];
    for (let i = 0; i < N; i++) {
      const c1 = holdoutGroup(id(i), 1, holdout) === 'control';
      const c2 = holdoutGroup(id(i), 2, holdout) === 'control';
      const v = variantOf(id(i), 1, weights);
      const g = globalControl(id(i), 5, 'g1');
      control1 += +c1;
      control2 += +c2;
      both += +(c1 && c2);
      variants[v]++;
      controlByVariant[v] += +c1;
      globals += +g;
      globalAndControl += +(g && c1);
    }
    expectShare(control1, N, 0.1);
    expectShare(control2, N, 0.1);
    // Independent rules: a customer in rule 1's control group is in rule 2's with probability p.
    expectShare(both, N, 0.1 * 0.1);
    weights.forEach((w, v) => expectShare(variants[v], N, w / 100));
    // The variant draw is another stream: the holdout share is the same in every variant.
    weights.forEach((w, v) => expectShare(controlByVariant[v], N, (w / 100) * 0.1));
    expectShare(globals, N, 0.05);
    expectShare(globalAndControl, N, 0.05 * 0.1);
  });

  it('never picks a variant of weight 0', () => {
    const picked = [0, 0, 0];
    for (let i = 0; i < 20_000; i++) picked[variantOf(id(i), 9, [1, 0, 1])]++;
    expect(picked[1]).toBe(0);
    expectShare(picked[0], 20_000, 0.5);
  });

  it.each([
    ['a holdout above 100 %', () => holdoutGroup('x', 1, 101)],
    ['a negative holdout', () => holdoutGroup('x', 1, -1)],
    ['a holdout with three decimals', () => holdoutGroup('x', 1, 10.005)],
    ['a holdout that is not a number', () => holdoutGroup('x', 1, NaN)],
    ['a rule id of 0', () => holdoutGroup('x', 0, 10)],
    ['a fractional rule id', () => variantOf('x', 1.5, [1])],
    ['no weights', () => variantOf('x', 1, [])],
    ['weights that are all 0', () => variantOf('x', 1, [0, 0])],
    ['a fractional weight', () => variantOf('x', 1, [0.5, 0.5])],
    ['weights totalling more than 1,000,000', () => variantOf('x', 1, [1_000_000, 1])],
    ['a salt with a colon', () => globalControl('x', 5, 'a:b')],
    ['an empty salt', () => globalControl('x', 5, '')],
  ])('refuses %s', (_name, call) => {
    expect(call).toThrow(RangeError);
  });
});
