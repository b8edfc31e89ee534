import { simulatedOrderValue } from './simulated-trade';

describe('simulatedOrderValue: plausible amounts and statuses for generated orders', () => {
  it('is mostly completed or paid, with a few percent closed, refunded in full and in part', () => {
    let seed = 42;
    const u = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const n = 20_000;
    const count = { paid: 0, completed: 0, closed: 0, refunded: 0, partial: 0 };
    for (let i = 0; i < n; i++) {
      const v = simulatedOrderValue(1990 + i, u);
      count[v.status]++;
      if (v.refundedFee !== null && v.status !== 'refunded') {
        count.partial++;
        expect(Number(v.refundedFee)).toBeLessThan(Number(v.payment));
      }
      if (v.status === 'refunded') expect(v.refundedFee).toBe(v.payment);
      expect(v.payment).toMatch(/^\d+\.\d{2}$/);
    }
    const share = (k: keyof typeof count) => count[k] / n;
    expect(share('completed') + share('paid')).toBeGreaterThan(0.9);
    for (const k of ['closed', 'refunded'] as const) {
      expect(share(k)).toBeGreaterThan(0.02);
      expect(share(k)).toBeLessThan(0.04);
    }
    expect(share('partial')).toBeGreaterThan(0.03);
    expect(share('partial')).toBeLessThan(0.05);
  });
});
