import type { AudiencePreview } from '../api/types';

type OrderFeed = AudiencePreview['orderFeed'];

/**
 * The preview's line about the order data the audience was chosen from: its age, and a
 * warning when the freshness guard would skip scheduled slots. Null when no feed is
 * configured (an outside ETL fills the orders: the system cannot tell their age).
 */
export function describeOrderFeed(
  feed: OrderFeed,
): { type: 'success' | 'error'; message: string } | null {
  if (!feed.configured) return null;
  const age =
    feed.lastSuccessAt === null
      ? '订单数据从未成功同步或导入'
      : `订单数据更新于 ${feed.lastSuccessAt}（${feed.ageHours} 小时前）`;
  if (feed.stale) {
    return {
      type: 'error',
      message: `${age}，已超过 ${feed.maxAgeHours} 小时：按时段的推送会被跳过，以免召回刚下过单的客户。请检查有赞同步或重新导入订单。`,
    };
  }
  return { type: 'success', message: age };
}
