import { Injectable } from '@nestjs/common';
import { UnreachableList } from '@app/contact-policy';
import { ContactIdentityService } from '@app/identity';
import type { WecomContactRow } from '@app/wecom';

/** Something that runs SQL: the DataSource or a transaction's EntityManager. */
export interface Sql {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/** A fact about one (contact, member) follow relation, true at `at`. */
export interface FollowFact {
  externalUserId: string;
  userid: string;
  at: Date;
  active: boolean;
  /** What WeCom listed (a sync page); absent for a callback, which carries none of it. */
  info?: {
    remark: string;
    description: string;
    state: string;
    remarkMobiles: string[];
    addedAt: Date;
    tagIds: string[];
  };
  removedBy?: string;
  syncId?: number;
}

interface ApplyCounts {
  added: number;
  changed: number;
  removed: number;
  unreachable: number;
  reachable: number;
}

interface StoredRelation {
  e: string;
  u: string;
  removed_at: Date | null;
  changed_at: Date;
  remark: string | null;
  description: string | null;
  state: string | null;
  remark_mobiles: string | null;
  added_at: Date | null;
  tags: string | null;
}

const key = (e: string, u: string) => `${e}\u0000${u}`;
const JSON_PAIRS = `JSON_TABLE(?, '$[*]' COLUMNS (e VARCHAR(128) PATH '$[0]', u VARCHAR(64) PATH '$[1]')) j`;

/**
 * The follow relations, tags, reachability and owner of WeCom contacts — written by the
 * full sync, the nightly reconcile and the callbacks alike. Last writer wins by the time the
 * fact was true (`changed_at`): a fact older than the stored one changes nothing, so
 * callbacks may come late, twice or out of order; at equal times an active follow wins
 * (a wrongly kept customer costs a status-2 send; a wrongly dropped one is never reached).
 */
@Injectable()
export class FollowStore {
  constructor(private readonly identity: ContactIdentityService) {}

  /**
   * Links the pages' contacts to customers (identity) and applies their follows, each row as
   * true when its page was read: several pages (of any chunks) in the caller's one transaction.
   */
  async applyPages(
    q: Sql,
    pages: readonly { rows: readonly WecomContactRow[]; readAt: Date }[],
    syncId: number,
  ): Promise<ApplyCounts & { created: number; linked: number }> {
    const contacts = new Map<string, { name?: string; unionid?: string; mobiles: string[] }>();
    for (const r of pages.flatMap((p) => p.rows)) {
      const c = contacts.get(r.external_contact.external_userid) ?? {
        name: r.external_contact.name,
        unionid: r.external_contact.unionid,
        mobiles: [],
      };
      c.mobiles.push(...(r.follow_info.remark_mobiles ?? []));
      contacts.set(r.external_contact.external_userid, c);
    }
    // The contacts' identity rows first (the lock a callback on one of them waits on), then
    // their follows, reachability and owner; then the customers a link claims or creates get
    // that owner as they are written, not in a second pass.
    await this.identity.lockContacts([...contacts.keys()], q);
    const { owners, ...counts } = await this.apply(
      q,
      pages.flatMap(({ rows, readAt }) =>
        rows.map((r) => ({
          externalUserId: r.external_contact.external_userid,
          userid: r.follow_info.userid,
          at: readAt,
          active: true,
          syncId,
          info: {
            remark: r.follow_info.remark ?? '',
            description: r.follow_info.description ?? '',
            state: r.follow_info.state ?? '',
            remarkMobiles: r.follow_info.remark_mobiles ?? [],
            addedAt: new Date(r.follow_info.createtime * 1000),
            tagIds: [...(r.follow_info.tag_id ?? [])].sort(),
          },
        })),
      ),
    );
    const links = await this.identity.link(
      [...contacts.entries()].map(([externalUserId, c]) => ({
        externalUserId,
        ...c,
        owner: owners.get(externalUserId) ?? null,
      })),
      q,
    );
    const methods = [...links.values()].map((l) => l.method);
    return {
      ...counts,
      created: methods.filter((m) => m === 'created').length,
      linked: methods.filter((m) => m === 'unionid' || m === 'mobile').length,
    };
  }

  /**
   * Applies facts (newer than what is stored), then the contacts' reachability and owner;
   * `owners`: each contact's owner by its follows now (null: nobody follows it).
   */
  async apply(
    q: Sql,
    facts: readonly FollowFact[],
  ): Promise<ApplyCounts & { owners: Map<string, string | null> }> {
    const counts: ApplyCounts = { added: 0, changed: 0, removed: 0, unreachable: 0, reachable: 0 };
    if (facts.length === 0) return { ...counts, owners: new Map() };
    const pairs = [...new Map(facts.map((f) => [key(f.externalUserId, f.userid), f])).values()];
    const stored = new Map(
      (
        (await q.query(
          `SELECT r.external_userid AS e, r.userid AS u, r.removed_at, r.changed_at, r.remark,
                  r.description, r.state, r.remark_mobiles, r.added_at,
                  (SELECT GROUP_CONCAT(t.tag_id ORDER BY t.tag_id) FROM wecom_contact_tags t
                    WHERE t.external_userid = r.external_userid AND t.userid = r.userid) AS tags
             FROM ${JSON_PAIRS}
             STRAIGHT_JOIN wecom_follow_relations r
               ON r.external_userid = j.e AND r.userid = j.u
           FOR UPDATE`,
          [JSON.stringify(pairs.map((f) => [f.externalUserId, f.userid]))],
        )) as StoredRelation[]
      ).map((r) => [key(r.e, r.u), r]),
    );
    const writes: FollowFact[] = [];
    const seen: FollowFact[] = [];
    /** Relations stored before: only theirs can have tags to replace. */
    const existed = new Set(stored.keys());
    for (const f of facts) {
      const s = stored.get(key(f.externalUserId, f.userid));
      const newer =
        !s ||
        s.changed_at.getTime() < f.at.getTime() ||
        (s.changed_at.getTime() === f.at.getTime() && f.active);
      if (!newer) {
        // A sync that read an older state still saw the relation: it is not missing.
        if (f.syncId !== undefined) seen.push(f);
        continue;
      }
      const wasActive = !!s && s.removed_at === null;
      if (f.active && !wasActive) counts.added++;
      else if (!f.active && wasActive) counts.removed++;
      else if (f.active && s && f.info && differs(s, f)) counts.changed++;
      writes.push(f);
      if (s) s.changed_at = f.at; // two facts of one batch: the later one must still win
    }
    if (writes.length) await this.write(q, writes, existed);
    if (seen.length) {
      await q.query(
        `UPDATE wecom_follow_relations r JOIN ${JSON_PAIRS}
            ON r.external_userid = j.e AND r.userid = j.u SET r.seen_sync_id = ?`,
        [JSON.stringify(seen.map((f) => [f.externalUserId, f.userid])), seen[0].syncId],
      );
    }
    const reach = await this.settle(
      q,
      [...new Set(facts.map((f) => f.externalUserId))],
      facts[facts.length - 1].at,
    );
    return { ...counts, ...reach };
  }

  private async write(q: Sql, writes: FollowFact[], existed: Set<string>): Promise<void> {
    const withInfo = writes.filter((f) => f.info);
    const bare = writes.filter((f) => !f.info);
    if (withInfo.length) {
      await q.query(
        `INSERT INTO wecom_follow_relations
           (external_userid, userid, remark, description, state, remark_mobiles, added_at,
            removed_at, removed_by, changed_at, seen_sync_id)
         VALUES ?
         ON DUPLICATE KEY UPDATE remark = VALUES(remark), description = VALUES(description),
           state = VALUES(state), remark_mobiles = VALUES(remark_mobiles),
           added_at = VALUES(added_at), removed_at = NULL, removed_by = NULL,
           changed_at = VALUES(changed_at), seen_sync_id = VALUES(seen_sync_id)`,
        [
          withInfo.map((f) => {
            const i = f.info!;
            return [
              f.externalUserId,
              f.userid,
              i.remark.slice(0, 255),
              i.description.slice(0, 255),
              i.state.slice(0, 64),
              i.remarkMobiles.join(',').slice(0, 255),
              i.addedAt,
              null,
              null,
              f.at,
              f.syncId ?? null,
            ];
          }),
        ],
      );
      const replaced = withInfo.filter((f) => existed.has(key(f.externalUserId, f.userid)));
      if (replaced.length) {
        await q.query(
          `DELETE t FROM wecom_contact_tags t JOIN ${JSON_PAIRS}
              ON t.external_userid = j.e AND t.userid = j.u`,
          [JSON.stringify(replaced.map((f) => [f.externalUserId, f.userid]))],
        );
      }
      const tags = withInfo.flatMap((f) =>
        f.info!.tagIds.map((t) => [f.externalUserId, f.userid, t]),
      );
      if (tags.length) {
        await q.query(
          'INSERT IGNORE INTO wecom_contact_tags (external_userid, userid, tag_id) VALUES ?',
          [tags],
        );
      }
    }
    if (bare.length) {
      // Callbacks: activity and time only (WeCom sends no remark or tags); a new follow's add time is the event's.
      await q.query(
        `INSERT INTO wecom_follow_relations
           (external_userid, userid, added_at, removed_at, removed_by, changed_at)
         VALUES ?
         ON DUPLICATE KEY UPDATE
           added_at = IF(VALUES(removed_at) IS NULL AND removed_at IS NOT NULL, VALUES(added_at), added_at),
           removed_at = VALUES(removed_at), removed_by = VALUES(removed_by),
           changed_at = VALUES(changed_at)`,
        [
          bare.map((f) => [
            f.externalUserId,
            f.userid,
            f.at,
            f.active ? null : f.at,
            f.active ? null : (f.removedBy ?? 'callback'),
            f.at,
          ]),
        ],
      );
      const removed = bare.filter((f) => !f.active);
      if (removed.length) {
        await q.query(
          `DELETE t FROM wecom_contact_tags t JOIN ${JSON_PAIRS}
              ON t.external_userid = j.e AND t.userid = j.u`,
          [JSON.stringify(removed.map((f) => [f.externalUserId, f.userid]))],
        );
      }
    }
  }

  /**
   * The contacts' reachability and owner from their relations now: followed by nobody →
   * unreachable (`no_follow`); followed → off the list; owner = the earliest active follow's
   * member, unless an operator or the mapping file named one.
   */
  async settle(
    q: Sql,
    externalUserIds: readonly string[],
    at: Date,
  ): Promise<{ unreachable: number; reachable: number; owners: Map<string, string | null> }> {
    if (externalUserIds.length === 0) return { unreachable: 0, reachable: 0, owners: new Map() };
    // A locking read: the latest committed relations and list entries, not this transaction's
    // snapshot — a callback whose snapshot predates another's commit (a deletion that listed
    // the contact) would otherwise leave a followed contact on the list (seen on CI). Contact by
    // contact (STRAIGHT_JOIN): a scan, the plan a long IN list got, locks other writers' rows
    // (two contact sync writers deadlocked on it).
    const rows = (await q.query(
      `SELECT r.external_userid AS e, r.userid AS u, r.added_at AS a, r.removed_at IS NULL AS act,
              u.external_userid IS NOT NULL AS listed
         FROM JSON_TABLE(?, '$[*]' COLUMNS (e VARCHAR(128) PATH '$')) j
         STRAIGHT_JOIN wecom_follow_relations r ON r.external_userid = j.e
         LEFT JOIN contact_unreachable u ON u.external_userid = r.external_userid
         LOCK IN SHARE MODE`,
      [JSON.stringify(externalUserIds)],
    )) as { e: string; u: string; a: Date | null; act: number; listed: number }[];
    const contacts = new Map<
      string,
      { listed: boolean; since: Date | null; owner: { u: string; a: Date | null } | null }
    >();
    for (const r of rows) {
      const c = contacts.get(r.e) ?? { listed: Number(r.listed) > 0, since: null, owner: null };
      contacts.set(r.e, c);
      if (Number(r.act) === 0) continue;
      if (r.a && (!c.since || r.a < c.since)) c.since = r.a;
      // The earliest add, then the smallest userid (as ORDER BY added_at, userid: no time first).
      const o = c.owner;
      const time = (d: Date | null) => d?.getTime() ?? -Infinity;
      if (
        !o ||
        time(r.a) < time(o.a) ||
        (time(r.a) === time(o.a) && r.u.toLowerCase() < o.u.toLowerCase())
      )
        c.owner = { u: r.u, a: r.a };
    }
    const all = [...contacts];
    const unreachable = await UnreachableList.markNoFollow(
      q,
      all.filter(([, c]) => !c.owner && !c.listed).map(([e]) => e),
      at,
    );
    // Only a listed contact can come off the list.
    const reachable = await UnreachableList.clearFollowed(
      q,
      all
        .filter(([, c]) => c.owner && c.listed)
        .map(([e, c]) => ({ externalUserId: e, followedSince: c.since ?? at })),
    );
    await q.query(
      `UPDATE customers c
         JOIN JSON_TABLE(?, '$[*]' COLUMNS (e VARCHAR(128) PATH '$.e', o VARCHAR(64) PATH '$.o')) j
           ON c.external_userid = j.e
          SET c.owner_userid = j.o
        WHERE c.owner_named = 0 AND NOT (c.owner_userid <=> j.o)`,
      [JSON.stringify(all.map(([e, c]) => (c.owner ? { e, o: c.owner.u } : { e })))],
    );
    return {
      unreachable,
      reachable,
      owners: new Map(externalUserIds.map((e) => [e, contacts.get(e)?.owner?.u ?? null])),
    };
  }
}

function differs(s: StoredRelation, f: FollowFact): boolean {
  const i = f.info!;
  return (
    (s.remark ?? '') !== i.remark.slice(0, 255) ||
    (s.state ?? '') !== i.state.slice(0, 64) ||
    (s.remark_mobiles ?? '') !== i.remarkMobiles.join(',').slice(0, 255) ||
    (s.tags ?? '') !== i.tagIds.join(',') ||
    s.added_at?.getTime() !== Math.floor(i.addedAt.getTime() / 1000) * 1000
  );
}
