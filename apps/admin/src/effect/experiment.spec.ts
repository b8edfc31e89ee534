import type { Experiment, Lift } from '../api/types';
import {
  errorBarScale,
  holdoutLiftText,
  intervalText,
  liftVerdict,
  pp,
  recommendedVariant,
  revenueLiftText,
} from './experiment';

const group = (name: string, recipients: number, buyers: number) => ({
  group: name,
  recipients,
  buyers,
  orders: buyers,
  revenue: '0.00',
  userConversionRate: recipients ? buyers / recipients : 0,
  revenuePerRecipient: 0,
});

const lift = (over: Partial<Lift>): Lift => ({
  group: 'A',
  absolute: 0.018,
  relative: 0.5,
  ci95: [0.006, 0.03],
  pValue: 0.003,
  unadjustedPValue: 0.003,
  significant: true,
  ...over,
});

const experiment = (over: Partial<Experiment> = {}): Experiment => ({
  pushId: 1,
  ruleName: '召回',
  runCount: 3,
  attributionDays: 7,
  baseline: 'control',
  groups: [group('control', 1000, 30), group('A', 9000, 432)],
  lift: [],
  revenueLift: [],
  incrementalOrders: 1,
  incrementalBuyers: 1,
  incrementalRevenue: '1.00',
  significanceRule: { level: 0.95, alpha: 0.05, minRecipients: 100, minBuyers: 10 },
  ...over,
});

describe('experiment verdicts', () => {
  it('percentage points with one decimal; intervals with – or 至 when negative', () => {
    expect(pp(0.018)).toBe('1.8');
    expect(pp(-0.00004)).toBe('0.0');
    expect(intervalText([0.006, 0.03])).toBe('0.6–3.0');
    expect(intervalText([-0.03, -0.006])).toBe('-3.0 至 -0.6');
  });

  it.each([
    [lift({}), 'A 比对照组多带来 1.8 个百分点的购买转化（95% 区间 0.6–3.0）'],
    [
      lift({ absolute: -0.018, ci95: [-0.03, -0.006] }),
      'A 比对照组少带来 1.8 个百分点的购买转化（95% 区间 -3.0 至 -0.6）',
    ],
    [
      lift({ absolute: 0.004, ci95: [-0.002, 0.01], significant: false, pValue: 0.2 }),
      'A 与对照组的差异不显著：0.4 个百分点（95% 区间 -0.2 至 1.0）',
    ],
    [
      lift({ significant: false, pValue: 0.06 }),
      'A 与对照组的差异不显著，多个变体比较校正后：1.8 个百分点（95% 区间 0.6–3.0）',
    ],
  ])('%j → %s', (l, text) => {
    expect(liftVerdict(experiment(), l)).toBe(text);
  });

  it('no verdict below the minimums of the significance rule, whatever the interval', () => {
    const small = experiment({ groups: [group('control', 99, 30), group('A', 9000, 432)] });
    expect(liftVerdict(small, lift({}))).toBe(
      'A 与对照组：差异不显著（每组至少 100 人、10 位购买者时才判断）',
    );
    const fewBuyers = experiment({
      baseline: 'A',
      groups: [group('A', 500, 9), group('B', 500, 40)],
    });
    expect(liftVerdict(fewBuyers, lift({ group: 'B' }))).toBe(
      'B 与 A：差异不显著（每组至少 100 人、10 位购买者时才判断）',
    );
  });

  it('revenue lift and the compare cell in words', () => {
    expect(revenueLiftText(lift({ absolute: 1.254, ci95: [-0.4, 2.9], significant: false }))).toBe(
      'A 人均营收 +¥1.25（95% 区间 -0.40 至 2.90）',
    );
    expect(holdoutLiftText(null)).toBe('—');
    expect(
      holdoutLiftText({
        treatedRecipients: 1,
        treatedUserConversionRate: 0,
        controlRecipients: 1,
        controlUserConversionRate: 0,
        absolute: -0.01,
        relative: null,
        ci95: [-0.02, 0.001],
        pValue: 0.1,
        significant: false,
      }),
    ).toBe('-1.0 个百分点（-2.0 至 0.1）');
  });

  it('error bars: one scale around 0 that holds every interval', () => {
    const s = errorBarScale([lift({}), lift({ absolute: -0.01, ci95: [-0.02, 0] })]);
    expect(s.at(0)).toBeCloseTo(0.5, 12);
    expect(s.at(0.03)).toBeLessThan(1);
    expect(s.at(-0.02)).toBeGreaterThan(0);
    expect(s.at(0.03)).toBeGreaterThan(s.at(0.018));
  });

  describe('the variant to recommend', () => {
    const noControl = (groups: ReturnType<typeof group>[], lifts: Lift[]) =>
      experiment({ baseline: 'A', groups, lift: lifts, incrementalOrders: null });

    it.each([
      [
        'B significantly above A',
        noControl([group('A', 1000, 50), group('B', 1000, 90)], [lift({ group: 'B' })]),
        'B',
      ],
      [
        'B above A but not significantly',
        noControl(
          [group('A', 1000, 50), group('B', 1000, 60)],
          [lift({ group: 'B', significant: false })],
        ),
        null,
      ],
      [
        'B significant, but C converts better',
        noControl(
          [group('A', 1000, 50), group('B', 1000, 90), group('C', 1000, 95)],
          [lift({ group: 'B' }), lift({ group: 'C', significant: false })],
        ),
        null,
      ],
      [
        'C significant and above B and A',
        noControl(
          [group('A', 1000, 50), group('B', 1000, 70), group('C', 1000, 95)],
          [lift({ group: 'B', significant: false }), lift({ group: 'C' })],
        ),
        'C',
      ],
      [
        'B and C tie at the top',
        noControl(
          [group('A', 1000, 50), group('B', 1000, 90), group('C', 1000, 90)],
          [lift({ group: 'B' }), lift({ group: 'C' })],
        ),
        null,
      ],
      [
        'A significantly above every other variant',
        noControl(
          [group('A', 1000, 90), group('B', 1000, 40), group('C', 1000, 45)],
          [
            lift({ group: 'B', absolute: -0.05, ci95: [-0.08, -0.02] }),
            lift({ group: 'C', absolute: -0.045, ci95: [-0.07, -0.02] }),
          ],
        ),
        'A',
      ],
      [
        'A above B, but not significantly below A for C',
        noControl(
          [group('A', 1000, 90), group('B', 1000, 40), group('C', 1000, 80)],
          [
            lift({ group: 'B', absolute: -0.05, ci95: [-0.08, -0.02] }),
            lift({ group: 'C', absolute: -0.01, significant: false }),
          ],
        ),
        null,
      ],
      [
        'with a control group: B significantly above it and above A',
        experiment({
          groups: [group('control', 500, 10), group('A', 1000, 40), group('B', 1000, 90)],
          lift: [lift({ group: 'A', significant: false }), lift({ group: 'B' })],
        }),
        'B',
      ],
      [
        'the control group converts best: no variant',
        experiment({
          groups: [group('control', 500, 100), group('A', 1000, 40), group('B', 1000, 50)],
          lift: [
            lift({ group: 'A', absolute: -0.16, significant: true }),
            lift({ group: 'B', absolute: -0.15, significant: true }),
          ],
        }),
        null,
      ],
      ['a single variant beside the control group', experiment({ lift: [lift({})] }), null],
    ])('%s → %s', (_, e, winner) => {
      expect(recommendedVariant(e)).toBe(winner);
    });
  });
});
