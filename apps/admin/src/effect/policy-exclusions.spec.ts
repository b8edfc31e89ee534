import { noExclusions } from '@app/contracts';
import { describePolicyExclusions } from './policy-exclusions';

describe('the effect page’s contact policy line', () => {
  it('sums every reason and lists the non-zero ones in the policy order', () => {
    const excluded = { ...noExclusions(), gap: 1200, suppressed: 2, weekCap: 30 };
    expect(describePolicyExclusions(excluded)).toBe(
      '策略排除 1,232 人：勿扰 2、间隔不足 1,200、7日上限 30',
    );
  });

  it('says 0 when the policy kept nobody out', () => {
    expect(describePolicyExclusions(noExclusions())).toBe('策略排除 0 人');
  });
});
