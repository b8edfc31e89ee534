import { noExclusions } from '@app/contracts';
import {
  describeExclusions,
  describeReach,
  EXCLUSION_LABELS,
  exclusionItems,
  exclusionTotal,
} from './exclusions';

describe('the contact policy exclusion breakdown', () => {
  const some = { ...noExclusions(), dayCap: 1304, suppressed: 210, cooldown: 96 };

  it('lists only the non-zero reasons, in the policy order, with a total', () => {
    expect(exclusionItems(some)).toEqual([
      { label: '勿扰', count: 210 },
      { label: '冷却中', count: 96 },
      { label: '当日上限', count: 1304 },
    ]);
    expect(exclusionTotal(some)).toBe(1610);
    expect(describeReach(8120, some)).toBe(
      '可触达 8,120 人 — 排除 1,610 人：勿扰 210、冷却中 96、当日上限 1,304',
    );
  });

  it('says so when the policy excluded nobody', () => {
    expect(exclusionItems(noExclusions())).toEqual([]);
    expect(describeExclusions(noExclusions())).toBe('触达策略未排除任何客户');
  });

  it('names every reason', () => {
    const all = { ...noExclusions() };
    for (const k of Object.keys(all) as (keyof typeof all)[]) all[k] = 1;
    expect(exclusionItems(all).map((i) => i.label)).toEqual([
      '无专属导购',
      '不可达',
      '勿扰',
      '冷却中',
      '间隔不足',
      '当日上限',
      '7日上限',
      '企业微信上限',
    ]);
    expect(Object.keys(EXCLUSION_LABELS)).toHaveLength(8);
  });
});
