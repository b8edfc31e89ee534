import { orderFeedFreshness } from './order-feed-freshness';

const NOW = new Date('2027-03-04T10:00:00Z');
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000);

describe('orderFeedFreshness', () => {
  it('is never stale without a configured feed (an outside ETL fills the tables)', () => {
    expect(orderFeedFreshness([], NOW, 24)).toEqual({
      configured: false,
      lastSuccessAt: null,
      ageHours: null,
      maxAgeHours: 24,
      stale: false,
    });
  });

  it('is stale when the newest success is older than the limit', () => {
    const f = orderFeedFreshness([{ feed: 'youzan', lastSuccessAt: hoursAgo(25) }], NOW, 24);
    expect(f).toMatchObject({ configured: true, ageHours: 25, stale: true });
    expect(f.lastSuccessAt).toEqual(hoursAgo(25));
  });

  it('is fresh at the limit and below it', () => {
    expect(orderFeedFreshness([{ feed: 'file', lastSuccessAt: hoursAgo(24) }], NOW, 24).stale).toBe(
      false,
    );
    expect(
      orderFeedFreshness([{ feed: 'file', lastSuccessAt: hoursAgo(0.5) }], NOW, 24),
    ).toMatchObject({ ageHours: 0.5, stale: false });
  });

  it('takes the newest delivery of any feed', () => {
    const f = orderFeedFreshness(
      [
        { feed: 'file', lastSuccessAt: hoursAgo(2) },
        { feed: 'youzan', lastSuccessAt: hoursAgo(30) },
      ],
      NOW,
      24,
    );
    expect(f).toMatchObject({ ageHours: 2, stale: false });
  });

  it('is stale when a configured feed never succeeded', () => {
    expect(orderFeedFreshness([{ feed: 'youzan', lastSuccessAt: null }], NOW, 24)).toMatchObject({
      configured: true,
      lastSuccessAt: null,
      stale: true,
    });
  });

  it('is never stale with the guard off (0)', () => {
    expect(
      orderFeedFreshness([{ feed: 'youzan', lastSuccessAt: hoursAgo(500) }], NOW, 0).stale,
    ).toBe(false);
  });
});
