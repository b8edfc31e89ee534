import { globalControl, holdoutGroup, variantOf } from './assignment';
import { ExperimentDesign, splitControls } from './split';

describe('splitControls: who a page sends, by variant, and who it holds out', () => {
  const ids = Array.from({ length: 5_000 }, (_, i) => `wm-split-${i}`);
  const design: ExperimentDesign = {
    ruleId: 7,
    holdoutPercent: 10,
    globalControlPercent: 5,
    salt: 'abc123',
    ignoreGlobalControl: false,
    weights: [1, 2],
  };

  it('global control first, then the holdout; everyone carries the variant the documented draw gives', () => {
    const { treated, control } = splitControls(ids, design);
    for (const c of control) {
      expect(c.group).toBe(globalControl(c.e, 5, 'abc123') ? 'global' : 'holdout');
      if (c.group === 'holdout') expect(holdoutGroup(c.e, 7, 10)).toBe('control');
      expect(c.variant).toBe(variantOf(c.e, 7, [1, 2]));
    }
    for (const [variant, list] of treated)
      for (const e of list) expect(variantOf(e, 7, [1, 2])).toBe(variant);
    const held = new Set(control.map((c) => c.e));
    // Every customer once; within a variant in the order given.
    expect(held.size + [...treated.values()].reduce((n, l) => n + l.length, 0)).toBe(ids.length);
    for (const list of treated.values()) expect(list).toEqual(ids.filter((e) => list.includes(e)));
  });

  it('no shares, one weight: everyone treated, variant A, in order', () => {
    const plain = splitControls(ids, {
      ...design,
      holdoutPercent: 0,
      globalControlPercent: 0,
      weights: [1],
    });
    expect(plain.control).toEqual([]);
    expect([...plain.treated.keys()]).toEqual([0]);
    expect(plain.treated.get(0)).toEqual(ids);
  });

  it('a service notice that opts out reaches the global control group', () => {
    const notice = splitControls(ids, { ...design, holdoutPercent: 0, ignoreGlobalControl: true });
    expect(notice.control).toEqual([]);
  });
});
