import { describeOrderFeed } from './order-feed';

const feed = {
  configured: true,
  lastSuccessAt: '2025-02-13 08:05:00',
  ageHours: 2.5,
  maxAgeHours: 24,
  stale: false,
};

describe('describeOrderFeed', () => {
  it('says nothing when no feed is configured', () => {
    expect(describeOrderFeed({ ...feed, configured: false })).toBeNull();
  });

  it('gives the age of fresh data', () => {
    expect(describeOrderFeed(feed)).toEqual({
      type: 'success',
      message: '订单数据更新于 2025-02-13 08:05:00（2.5 小时前）',
    });
  });

  it('warns that scheduled slots are skipped when the data is stale', () => {
    const d = describeOrderFeed({ ...feed, ageHours: 30, stale: true });
    expect(d?.type).toBe('error');
    expect(d?.message).toMatch(/已超过 24 小时：按时段的推送会被跳过/);
  });

  it('names a feed that never succeeded', () => {
    const d = describeOrderFeed({ ...feed, lastSuccessAt: null, ageHours: null, stale: true });
    expect(d?.message).toMatch(/^订单数据从未成功同步或导入/);
  });
});
