import { formatDateTime } from '@app/common';
import type { SqlRunner } from '@app/database';

/**
 * The unreachable list as the WeCom contact sync keeps it: customers no member follows any
 * more are put on it with reason `no_follow` (excluded from selection like a send's status 2)
 * and taken off when a member follows them again. A `not_friend` row (a send's status 2) is
 * left to the ledger, unless a follow added after it proves the customer a friend again.
 */
export const UnreachableList = {
  /** Puts the customers on the list (kept as they are when already listed); returns how many were added. */
  async markNoFollow(q: SqlRunner, externalUserIds: readonly string[], at: Date): Promise<number> {
    if (externalUserIds.length === 0) return 0;
    const result = (await q.query(
      `INSERT IGNORE INTO contact_unreachable (external_userid, batch_id, since, reason)
       SELECT j.e, NULL, ?, 'no_follow'
         FROM JSON_TABLE(?, '$[*]' COLUMNS (e VARCHAR(128) PATH '$')) j`,
      [at, JSON.stringify(externalUserIds)],
    )) as { affectedRows?: number };
    return result.affectedRows ?? 0;
  },

  /**
   * Takes followed customers off the list: `no_follow` rows always, `not_friend` rows older
   * than `followedSince` (the customer added a member after the failed send). Returns how many.
   */
  async clearFollowed(
    q: SqlRunner,
    followed: readonly { externalUserId: string; followedSince: Date }[],
  ): Promise<number> {
    if (followed.length === 0) return 0;
    const result = (await q.query(
      `DELETE u FROM contact_unreachable u
         JOIN JSON_TABLE(?, '$[*]' COLUMNS (e VARCHAR(128) PATH '$.e', s DATETIME PATH '$.s')) j
           ON j.e = u.external_userid
        WHERE u.reason = 'no_follow' OR u.since < j.s`,
      [
        JSON.stringify(
          followed.map((f) => ({ e: f.externalUserId, s: formatDateTime(f.followedSince) })),
        ),
      ],
    )) as { affectedRows?: number };
    return result.affectedRows ?? 0;
  },
};
