import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { formatDateTime } from '@app/common';

/** One member's follow relation with a customer, and the corp tags that member gave them. */
interface FollowView {
  userid: string;
  remark: string | null;
  state: string | null;
  addedAt: string | null;
  /** Null while the member still follows the customer. */
  removedAt: string | null;
  tags: { tagId: string; groupName: string; name: string }[];
}

/** What the system knows of one WeCom customer: who they are, through whom, with which tags. */
export interface CustomerContactsView {
  externalUserid: string;
  customerId: number | null;
  name: string | null;
  /** The member messages go through (the earliest active follow, unless an operator named one). */
  ownerUserid: string | null;
  /** Every member who followed them was deleted: excluded from selection (reason `no_follow`). */
  unreachable: boolean;
  follows: FollowView[];
}

/**
 * One customer's follow relations and corp tags, for the audience sample (issue 19): read from
 * the tables the full sync, the callbacks and the reconcile keep (docs/WECOM.md). Active
 * follows first, then removed ones, each by add time.
 */
@Injectable()
export class CustomerContactsService {
  constructor(private readonly db: DataSource) {}

  async of(externalUserid: string): Promise<CustomerContactsView | null> {
    const [customer]: { id: number; name: string | null; owner_userid: string | null }[] =
      await this.db.query(
        `SELECT id, COALESCE(name, nickname) AS name, owner_userid FROM customers
          WHERE external_userid = ? ORDER BY id LIMIT 1`,
        [externalUserid],
      );
    const follows: {
      userid: string;
      remark: string | null;
      state: string | null;
      added_at: Date | null;
      removed_at: Date | null;
    }[] = await this.db.query(
      `SELECT userid, remark, state, added_at, removed_at FROM wecom_follow_relations
        WHERE external_userid = ?
        ORDER BY removed_at IS NOT NULL, added_at, userid`,
      [externalUserid],
    );
    if (!customer && follows.length === 0) return null;
    const tags: { userid: string; tag_id: string; group_name: string; name: string }[] =
      await this.db.query(
        `SELECT ct.userid, ct.tag_id, t.group_name, t.name
           FROM wecom_contact_tags ct JOIN wecom_corp_tags t ON t.tag_id = ct.tag_id
          WHERE ct.external_userid = ? AND t.deleted_at IS NULL
          ORDER BY t.group_name, t.sort_order, t.name`,
        [externalUserid],
      );
    const at = (d: Date | null) => (d ? formatDateTime(d) : null);
    return {
      externalUserid,
      customerId: customer?.id ?? null,
      name: customer?.name ?? null,
      ownerUserid: customer?.owner_userid ?? null,
      unreachable: follows.length > 0 && follows.every((f) => f.removed_at !== null),
      follows: follows.map((f) => ({
        userid: f.userid,
        remark: f.remark,
        state: f.state,
        addedAt: at(f.added_at),
        removedAt: at(f.removed_at),
        tags: tags
          .filter((t) => t.userid === f.userid)
          .map((t) => ({ tagId: t.tag_id, groupName: t.group_name, name: t.name })),
      })),
    };
  }
}
