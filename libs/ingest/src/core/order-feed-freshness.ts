/** A configured feed as the guard reads it (OrderFeedService.freshness). */
interface FeedSuccess {
  feed: string;
  lastSuccessAt: Date | null;
}

/** How fresh the order data is, for the freshness guard and the preview. */
interface OrderFeedFreshness {
  /** Some feed is configured (has recorded a pull or an import); false: an outside ETL fills the tables. */
  configured: boolean;
  /** The newest success of any configured feed; null: none ever succeeded. */
  lastSuccessAt: Date | null;
  /** Hours since `lastSuccessAt` (one decimal); null when none. */
  ageHours: number | null;
  /** ORDER_FEED_MAX_AGE_HOURS; 0: the guard is off. */
  maxAgeHours: number;
  /** Recall rules must not fire: a feed is configured, the guard is on, and the data is older than allowed. */
  stale: boolean;
}

/**
 * The freshness guard's rule (issue 20): the order data is as fresh as the newest successful
 * delivery of any configured feed (the last Youzan pull or file import); it is stale when a
 * feed is configured, the guard is on (`maxAgeHours` > 0) and that delivery is older than
 * `maxAgeHours` — or never happened. No feed configured (the tables are filled by an outside
 * ETL, as before this issue): never stale.
 */
export function orderFeedFreshness(
  feeds: readonly FeedSuccess[],
  now: Date,
  maxAgeHours: number,
): OrderFeedFreshness {
  const configured = feeds.length > 0;
  const times = feeds.flatMap((f) => (f.lastSuccessAt ? [f.lastSuccessAt.getTime()] : []));
  const last = times.length ? new Date(Math.max(...times)) : null;
  const ageMs = last ? Math.max(0, now.getTime() - last.getTime()) : null;
  const stale =
    configured && maxAgeHours > 0 && (ageMs === null || ageMs > maxAgeHours * 3_600_000);
  return {
    configured,
    lastSuccessAt: last,
    ageHours: ageMs === null ? null : Math.round(ageMs / 360_000) / 10,
    maxAgeHours,
    stale,
  };
}
