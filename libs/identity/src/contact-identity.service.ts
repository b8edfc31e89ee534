import { Injectable } from '@nestjs/common';
import { Clock } from '@app/common';
import { normaliseMobile } from './buyer-identifiers';
import { insertCustomersSetBased } from './insert-customers';

interface SqlExecutor {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/** A WeCom external contact as a sync page or a callback knows it. */
interface WecomContactIdentity {
  externalUserId: string;
  name?: string;
  unionid?: string;
  /** The remark mobiles members typed for the contact, in order. */
  mobiles?: readonly string[];
  /**
   * The owner its follows name (null: none), when the caller settled them first (the contact
   * sync): a created or claimed customer gets it at once, unless an operator named one.
   */
  owner?: string | null;
}

/** How a contact found its customer row: already linked, by unionid, by remark mobile, or created. */
type ContactMatchMethod = 'existing' | 'unionid' | 'mobile' | 'mapping' | 'created';

/** A contact an operator's mapping file names the buyer (and perhaps the owner) of. */
interface ContactAssignment {
  externalUserId: string;
  customerId: number;
  ownerUserid?: string;
}

/**
 * What an assignment did: linked (or its owner named), unchanged, or why not — the buyer is
 * another contact's, the contact is another buyer's, the named owner does not follow it.
 */
type AssignOutcome =
  | 'linked'
  | 'unchanged'
  | 'unknown_customer'
  | 'customer_taken'
  | 'contact_taken'
  | 'owner_not_following';

interface Candidate {
  id: number;
  external_userid: string | null;
}

interface CustomerIdentityRow {
  id: number;
  external_userid: string | null;
  unionid: string | null;
  owner_userid: string | null;
  owner_named: number;
}

const free = (c: Candidate) => c.external_userid === null || c.external_userid === '';

/**
 * The WeCom side of identity (docs/WECOM.md "Identity"): a contact is the customer already
 * holding its external_userid; else the buyer holding its unionid, else its remark mobile —
 * and only a buyer not linked to another contact; never by name or nickname. The buyer's row
 * gains the external_userid (no second row for the same person); a contact nothing matches
 * becomes a new customer. Each link is recorded once in `wecom_contact_identities` with its
 * method, for the match rates.
 */
@Injectable()
export class ContactIdentityService {
  constructor(private readonly clock: Clock) {}

  /**
   * Takes the contacts' identity rows for the caller's transaction (a placeholder, customer
   * 0, for a new contact; `link` turns it into the link), in one order. Two transactions
   * linking the same new contact side by side (the contact sync's chains) would each create
   * its customer; locked first, the later waits for the earlier's commit and then finds it.
   */
  async lockContacts(externalUserIds: readonly string[], q: SqlExecutor): Promise<void> {
    if (externalUserIds.length === 0) return;
    const ids = [...new Set(externalUserIds)].sort();
    // Rows that exist are locked one by one, in order (no scan, no gap: READ COMMITTED callers
    // insert beside each other); only the missing are inserted, so a duplicate — a next-key lock — arises
    // only when another transaction inserts the same contact between the two statements.
    const held = new Set(
      (
        (await q.query(
          `SELECT i.external_userid AS e
             FROM JSON_TABLE(?, '$[*]' COLUMNS (e VARCHAR(128) PATH '$')) j
             STRAIGHT_JOIN wecom_contact_identities i ON i.external_userid = j.e
           FOR UPDATE`,
          [JSON.stringify(ids)],
        )) as { e: string }[]
      ).map((r) => r.e.toLowerCase()),
    );
    const missing = ids.filter((e) => !held.has(e.toLowerCase()));
    if (missing.length === 0) return;
    await q.query(
      `INSERT INTO wecom_contact_identities (external_userid, customer_id, method, matched_at)
       VALUES ? ON DUPLICATE KEY UPDATE external_userid = external_userid`,
      [missing.map((e) => [e, 0, 'created', this.clock.now()])],
    );
  }

  /** Links contacts whose identity rows `lockContacts` took in the caller's transaction. */
  async link(
    contacts: readonly WecomContactIdentity[],
    q: SqlExecutor,
  ): Promise<Map<string, { customerId: number; method: ContactMatchMethod }>> {
    const byId = new Map(contacts.map((c) => [c.externalUserId, c]));
    const out = new Map<string, { customerId: number; method: ContactMatchMethod }>();
    if (byId.size === 0) return out;
    const unionidOf = (c: WecomContactIdentity) => (c.unionid ? [c.unionid] : []);
    const mobilesOf = (c: WecomContactIdentity) =>
      (c.mobiles ?? []).flatMap((m) => normaliseMobile(m) ?? []);
    const unionids = [...new Set(contacts.flatMap(unionidOf))];
    const mobiles = [...new Set(contacts.flatMap(mobilesOf))];
    // Every customer a contact may be: holding its external_userid, unionid or a remark mobile.
    const rows = (await q.query(
      [
        'SELECT id, external_userid, unionid, mobile, name FROM customers WHERE external_userid IN (?)',
        ...(unionids.length
          ? [
              'SELECT id, external_userid, unionid, mobile, name FROM customers WHERE unionid IN (?)',
            ]
          : []),
        ...(mobiles.length
          ? ['SELECT id, external_userid, unionid, mobile, name FROM customers WHERE mobile IN (?)']
          : []),
      ].join(' UNION '),
      [
        [...byId.keys()],
        ...(unionids.length ? [unionids] : []),
        ...(mobiles.length ? [mobiles] : []),
      ],
    )) as (Candidate & { unionid: string | null; mobile: string | null; name: string | null })[];
    const holder = new Map<string, number>();
    for (const r of rows) {
      const e = r.external_userid;
      if (e && byId.has(e)) holder.set(e, Math.min(holder.get(e) ?? Infinity, r.id));
    }
    for (const [e, id] of holder) out.set(e, { customerId: id, method: 'existing' });
    const pending = () => [...byId.values()].filter((c) => !out.has(c.externalUserId));

    const claim = async (
      column: 'unionid' | 'mobile',
      keyOf: (c: WecomContactIdentity) => string[],
      method: ContactMatchMethod,
    ) => {
      const wanted = pending().filter((c) => keyOf(c).length > 0);
      if (wanted.length === 0) return;
      const byKey = new Map(
        rows.filter((r) => r[column] !== null).map((r) => [r[column]!.toLowerCase(), r]),
      );
      for (const c of wanted) {
        const hit = keyOf(c)
          .map((k) => byKey.get(k.toLowerCase()))
          .find((r) => r !== undefined && free(r));
        if (!hit) continue;
        const result = (await q.query(
          `UPDATE customers
              SET external_userid = ?,
                  owner_userid = IF(? OR owner_named = 1, owner_userid, ?)
            WHERE id = ? AND (external_userid IS NULL OR external_userid = '')`,
          [c.externalUserId, c.owner === undefined, c.owner ?? null, hit.id],
        )) as { affectedRows?: number };
        if ((result.affectedRows ?? 0) === 1) {
          hit.external_userid = c.externalUserId;
          out.set(c.externalUserId, { customerId: hit.id, method });
        }
      }
    };
    await claim('unionid', unionidOf, 'unionid');
    await claim('mobile', mobilesOf, 'mobile');

    const create = pending();
    if (create.length) {
      // A unionid another customer holds stays there (unique): the new customer goes without.
      const taken = new Set(rows.flatMap((r) => (r.unionid ? [r.unionid.toLowerCase()] : [])));
      const now = this.clock.now();
      const made = await insertCustomersSetBased(
        q,
        create.map((c) => ({
          name: c.name ?? null,
          externalUserId: c.externalUserId,
          unionid: c.unionid && !taken.has(c.unionid.toLowerCase()) ? c.unionid : null,
          ownerUserid: c.owner ?? null,
          createdAt: now,
        })),
      );
      for (const [e, id] of made) out.set(e, { customerId: id, method: 'created' });
    }

    // What a linked customer lacked: its name and unionid (UPDATE IGNORE: a unionid another holds stays there).
    const known = new Map(rows.map((r) => [r.id, r]));
    const fill = [...out.entries()]
      .filter(([, m]) => m.method !== 'created')
      .map(([e, m]) => ({
        id: m.customerId,
        n: (known.get(m.customerId)?.name ?? null) === null ? (byId.get(e)?.name ?? null) : null,
        u:
          (known.get(m.customerId)?.unionid ?? null) === null
            ? (byId.get(e)?.unionid ?? null)
            : null,
      }))
      .filter((f) => f.n !== null || f.u !== null);
    if (fill.length) {
      await q.query(
        `UPDATE IGNORE customers c
           JOIN JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT PATH '$.id', n VARCHAR(255) PATH '$.n',
                                              u VARCHAR(64) PATH '$.u')) j ON j.id = c.id
            SET c.name = COALESCE(c.name, j.n), c.unionid = COALESCE(c.unionid, j.u)`,
        [JSON.stringify(fill)],
      );
    }
    // A contact's first link is kept; placeholders (lockContacts) become links. By key: the
    // index on customer_id would read (and lock) every placeholder, other transactions' too.
    await q.query(
      `UPDATE wecom_contact_identities i FORCE INDEX (PRIMARY)
         JOIN JSON_TABLE(?, '$[*]' COLUMNS (e VARCHAR(128) PATH '$[0]', c BIGINT PATH '$[1]',
                                            m VARCHAR(16) PATH '$[2]')) j
           ON i.external_userid = j.e
          SET i.customer_id = j.c, i.method = j.m, i.matched_at = ?
        WHERE i.customer_id = 0`,
      [
        JSON.stringify([...out.entries()].map(([e, m]) => [e, m.customerId, m.method])),
        this.clock.now(),
      ],
    );
    return out;
  }

  /**
   * The mapping file's links (`/import/identities`): each contact's `external_userid` goes to
   * the named buyer's row — moved off a row that holds it without orders (the customer a sync
   * created for an unmatched contact keeps only its name; its unionid and owner move along),
   * never taken from a buyer with orders or given to a buyer linked to another contact. An
   * `ownerUserid` must follow the contact and is kept as named (`owner_named`); without one
   * the owner stays the earliest follow's. Run inside the caller's transaction.
   */
  async assign(items: readonly ContactAssignment[], q: SqlExecutor): Promise<AssignOutcome[]> {
    if (items.length === 0) return [];
    // The contacts' identity rows first, as every writer of customers.external_userid takes
    // them (the contact sync's shared-id check counts on it: insertCustomersSetBased); the
    // placeholders of contacts not linked here are dropped again at the end.
    const contacts = items.map((i) => i.externalUserId);
    await this.lockContacts(contacts, q);
    const targets = new Map(
      (
        (await q.query(
          `SELECT id, external_userid, unionid, owner_userid, owner_named FROM customers
            WHERE id IN (?) FOR UPDATE`,
          [items.map((i) => i.customerId)],
        )) as CustomerIdentityRow[]
      ).map((r) => [r.id, r]),
    );
    const holders = (await q.query(
      `SELECT c.id, c.external_userid, c.unionid, c.owner_userid, c.owner_named,
              EXISTS (SELECT 1 FROM customer_last_order l WHERE l.customer_id = c.id) AS buyer
         FROM customers c WHERE c.external_userid IN (?) FOR UPDATE`,
      [items.map((i) => i.externalUserId)],
    )) as (CustomerIdentityRow & { buyer: number })[];
    const named = items.filter((i) => i.ownerUserid);
    const follows = new Set(
      named.length === 0
        ? []
        : (
            (await q.query(
              `SELECT external_userid AS e, userid AS u FROM wecom_follow_relations
                WHERE removed_at IS NULL AND (external_userid, userid) IN (?)`,
              [named.map((i) => [i.externalUserId, i.ownerUserid])],
            )) as { e: string; u: string }[]
          ).map((r) => `${r.e}\n${r.u}`),
    );
    const now = this.clock.now();
    const out: AssignOutcome[] = [];
    for (const item of items) {
      const e = item.externalUserId;
      const t = targets.get(item.customerId);
      const others = holders.filter((h) => h.external_userid === e && h.id !== item.customerId);
      let outcome: AssignOutcome;
      if (!t) outcome = 'unknown_customer';
      else if (t.external_userid && t.external_userid !== e) outcome = 'customer_taken';
      else if (others.some((h) => Number(h.buyer) > 0)) outcome = 'contact_taken';
      else if (item.ownerUserid && !follows.has(`${e}\n${item.ownerUserid}`))
        outcome = 'owner_not_following';
      else if (
        t.external_userid === e &&
        others.length === 0 &&
        (!item.ownerUserid || (t.owner_named && t.owner_userid === item.ownerUserid))
      )
        outcome = 'unchanged';
      else outcome = 'linked';
      out.push(outcome);
      if (outcome !== 'linked' || !t) continue;
      const unionid = t.unionid ? null : (others.find((h) => h.unionid)?.unionid ?? null);
      const owner = others.find((h) => h.owner_userid)?.owner_userid ?? null;
      if (others.length) {
        await q.query(
          `UPDATE customers SET external_userid = NULL, unionid = NULL, owner_userid = NULL,
                  owner_named = 0 WHERE id IN (?)`,
          [others.map((h) => h.id)],
        );
      }
      await q.query(
        `UPDATE customers
            SET external_userid = ?, unionid = COALESCE(unionid, ?),
                owner_userid = CASE WHEN ? IS NOT NULL THEN ? WHEN owner_named = 1 THEN owner_userid
                                    ELSE COALESCE(?, owner_userid) END,
                owner_named = IF(? IS NOT NULL, 1, owner_named)
          WHERE id = ?`,
        [
          e,
          unionid,
          item.ownerUserid ?? null,
          item.ownerUserid ?? null,
          owner,
          item.ownerUserid ?? null,
          t.id,
        ],
      );
      t.external_userid = e;
      await q.query(
        `INSERT INTO wecom_contact_identities (external_userid, customer_id, method, matched_at)
         VALUES (?, ?, 'mapping', ?)
         ON DUPLICATE KEY UPDATE customer_id = VALUES(customer_id), method = 'mapping',
                                 matched_at = VALUES(matched_at)`,
        [e, t.id, now],
      );
    }
    await q.query(
      'DELETE FROM wecom_contact_identities WHERE external_userid IN (?) AND customer_id = 0',
      [contacts],
    );
    return out;
  }
}
