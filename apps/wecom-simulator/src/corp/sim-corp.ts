/**
 * The simulated corp's customers (客户联系): members, external contacts with their follow
 * infos, and the corp tag library. Generated contacts are computed on demand from the seed and
 * their index, so a corp of 1,000,000 contacts holds no object per contact; only changes made
 * through the control API (deleted, added or re-tagged follows, new contacts) are stored.
 */

export interface CorpShape {
  seed: number;
  /** Members who have customers: the first of `senders`, then `member0004`, … */
  members: number;
  contacts: number;
  /** Share of contacts WeCom gives a unionid (WeChat users of a corp with a bound 公众号/小程序). */
  unionidRate: number;
  /** Share of contacts whose first follow carries a remark mobile. */
  mobileRate: number;
}

export interface SimFollow {
  userid: string;
  remark: string;
  description: string;
  /** Unix seconds. */
  createtime: number;
  tag_id: string[];
  remark_mobiles: string[];
  add_way: number;
  state: string;
}

export interface SimContact {
  external_userid: string;
  name: string;
  type: number;
  gender: number;
  unionid?: string;
}

interface SimTag {
  id: string;
  name: string;
  create_time: number;
  order: number;
}

interface SimTagGroup {
  group_id: string;
  group_name: string;
  create_time: number;
  order: number;
  tag: SimTag[];
}

/** A page row of batch/get_by_user: one contact with one of its follow infos. */
export interface SimContactRow {
  external_contact: SimContact;
  follow_info: SimFollow;
}

const SURNAMES = ['张', '李', '王', '刘', '陈', '杨', '赵', '黄', '周', '吴', '徐', '孙'];
const TAG_GROUPS: { name: string; tags: string[] }[] = [
  { name: '客户等级', tags: ['普通会员', '银卡会员', '金卡会员', '黑金会员'] },
  { name: '购买偏好', tags: ['乳制品', '新鲜水果', '零食', '粮油'] },
  { name: '来源渠道', tags: ['门店扫码', '线上商城', '社群', '导购推荐'] },
];
/** 2024-01-01 00:00 Shanghai: generated add times fall in the year after it. */
const BASE_TIME = 1704038400;
const MAX_FOLLOWS = 3;

/** A 32-bit hash of (seed, index, salt): every generated fact is a pure function of these. */
function hash(seed: number, i: number, salt: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(i + 1, 0xc2b2ae35) ^ salt;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}
const unit = (h: number) => h / 4294967296;

type FollowChange = SimFollow | null;

/** Where a get_by_user page stopped: member in the list, follow slot, step, then added follows. */
interface ByUserCursor {
  u: number;
  j: number;
  t: number;
  x: number;
}

export class SimCorp {
  readonly members: string[];
  private readonly memberIndex: Map<string, number>;
  /** The library's tag ids as generated: generated follows draw from them. */
  private readonly generatedTagIds: string[];
  /** (contact, member) → the follow as changed (null = deleted), over the generated one. */
  private readonly changed = new Map<string, Map<string, FollowChange>>();
  /** Contacts created through the control API. */
  private readonly created = new Map<string, SimContact>();
  /** Per member, contacts followed by changes and not by generation, in the order added. */
  private readonly addedByMember = new Map<string, string[]>();
  private readonly deletedTags = new Set<string>();
  private createdCount = 0;

  constructor(
    readonly shape: CorpShape,
    senders: readonly string[],
  ) {
    this.members = Array.from({ length: shape.members }, (_, k) =>
      k < senders.length ? senders[k] : `member${String(k + 1).padStart(4, '0')}`,
    );
    this.memberIndex = new Map(this.members.map((m, k) => [m, k]));
    this.generatedTagIds = this.tagLibrary().flatMap((g) => g.tag.map((t) => t.id));
  }

  isMember(userid: string): boolean {
    return this.memberIndex.has(userid);
  }

  // --- generation -------------------------------------------------------------------

  externalId(i: number): string {
    return `wmc${this.shape.seed}x${i.toString(36).padStart(5, '0')}`;
  }

  private indexOf(externalUserId: string): number | null {
    const m = /^wmc(\d+)x([0-9a-z]+)$/.exec(externalUserId);
    if (!m || Number(m[1]) !== this.shape.seed) return null;
    const i = parseInt(m[2], 36);
    return i < this.shape.contacts ? i : null;
  }

  private followCount(i: number): number {
    const r = unit(hash(this.shape.seed, i, 1));
    const n = r < 0.75 ? 1 : r < 0.95 ? 2 : 3;
    return Math.min(n, this.members.length);
  }

  private generatedContact(i: number): SimContact {
    const h = hash(this.shape.seed, i, 2);
    const contact: SimContact = {
      external_userid: this.externalId(i),
      name: `${SURNAMES[h % SURNAMES.length]}${(i % 97) + 1}号`,
      type: 1,
      gender: (h >>> 8) % 3,
    };
    if (unit(hash(this.shape.seed, i, 3)) < this.shape.unionidRate) {
      contact.unionid = `ou${this.shape.seed}x${i.toString(36)}`;
    }
    return contact;
  }

  /** Contact i's j-th follow as generated: member (i + j) mod members. */
  private generatedFollow(i: number, j: number): SimFollow {
    const h = hash(this.shape.seed, i * MAX_FOLLOWS + j, 4);
    const tags = this.generatedTagIds;
    const tagCount = h % 3;
    const tag_id = Array.from(
      new Set(Array.from({ length: tagCount }, (_, k) => tags[(h >>> (4 + k * 5)) % tags.length])),
    );
    const mobile =
      j === 0 && unit(hash(this.shape.seed, i, 5)) < this.shape.mobileRate
        ? [`13${String(i).padStart(9, '0')}`]
        : [];
    return {
      userid: this.members[(i + j) % this.members.length],
      remark: h % 4 === 0 ? `${this.generatedContact(i).name}（老客）` : '',
      description: '',
      createtime: BASE_TIME + (h % (365 * 86400)),
      tag_id,
      remark_mobiles: mobile,
      add_way: 1,
      state: h % 5 === 0 ? `store_${h % 10}` : '',
    };
  }

  // --- reads --------------------------------------------------------------------------

  contact(externalUserId: string): SimContact | null {
    const i = this.indexOf(externalUserId);
    if (i !== null) return this.generatedContact(i);
    return this.created.get(externalUserId) ?? null;
  }

  /** The contact's follows now (generated, then changed or added). */
  follows(externalUserId: string): SimFollow[] {
    const i = this.indexOf(externalUserId);
    const changes = this.changed.get(externalUserId);
    const out: SimFollow[] = [];
    const seen = new Set<string>();
    if (i !== null) {
      for (let j = 0; j < this.followCount(i); j++) {
        const f = this.generatedFollow(i, j);
        seen.add(f.userid);
        const c = changes?.get(f.userid);
        if (c === undefined) out.push(f);
        else if (c !== null) out.push(c);
      }
    }
    for (const [userid, c] of changes ?? []) {
      if (!seen.has(userid) && c !== null) out.push(c);
    }
    return out;
  }

  /** Every contact in a stable order (generated, then created), from `offset`. */
  contactsPage(offset: number, limit: number): { contacts: SimContact[]; next: number | null } {
    const total = this.shape.contacts + this.created.size;
    const createdIds = offset + limit > this.shape.contacts ? [...this.created.keys()] : [];
    const contacts: SimContact[] = [];
    for (let k = offset; k < Math.min(total, offset + limit); k++) {
      contacts.push(
        k < this.shape.contacts
          ? this.generatedContact(k)
          : (this.created.get(createdIds[k - this.shape.contacts]) as SimContact),
      );
    }
    return { contacts, next: offset + limit < total ? offset + limit : null };
  }

  tagLibrary(): SimTagGroup[] {
    return TAG_GROUPS.map((g, gi) => ({
      group_id: `etg${this.shape.seed}x${gi}`,
      group_name: g.name,
      create_time: BASE_TIME,
      order: gi,
      tag: g.tags
        .map((name, ti) => ({
          id: `et${this.shape.seed}x${gi}x${ti}`,
          name,
          create_time: BASE_TIME,
          order: ti,
        }))
        .filter((t) => !this.deletedTags.has(t.id)),
    }));
  }

  /**
   * batch/get_by_user: rows of the listed members' contacts, member by member, `limit` at a
   * time. The cursor is opaque to the caller; null when it is not one of ours.
   */
  byUser(
    userids: readonly string[],
    cursor: string,
    limit: number,
  ): { rows: SimContactRow[]; next_cursor: string } | null {
    const at = cursor === '' ? { u: 0, j: 0, t: 0, x: 0 } : decodeCursor(cursor);
    if (at === null) return null;
    const rows: SimContactRow[] = [];
    const M = this.members.length;
    const N = this.shape.contacts;
    let { u, j, t, x } = at;
    const take = (externalUserId: string, userid: string): void => {
      const follow = this.follows(externalUserId).find((f) => f.userid === userid);
      if (follow) {
        rows.push({
          external_contact: this.contact(externalUserId) as SimContact,
          follow_info: follow,
        });
      }
    };
    while (u < userids.length && rows.length < limit) {
      const userid = userids[u];
      const mi = this.memberIndex.get(userid) as number;
      if (j < MAX_FOLLOWS) {
        const i = ((((mi - j) % M) + M) % M) + t * M;
        if (i >= N) {
          j++;
          t = 0;
          continue;
        }
        t++;
        if (this.followCount(i) > j) take(this.externalId(i), userid);
        continue;
      }
      const added = this.addedByMember.get(userid) ?? [];
      if (x < added.length) {
        take(added[x++], userid);
        continue;
      }
      u++;
      j = 0;
      t = 0;
      x = 0;
    }
    const done = u >= userids.length;
    return { rows, next_cursor: done ? '' : encodeCursor({ u, j, t, x }) };
  }

  // --- changes ------------------------------------------------------------------------

  /** The member no longer follows the contact (either side deleted); false if they did not. */
  deleteFollow(externalUserId: string, userid: string): boolean {
    if (!this.follows(externalUserId).some((f) => f.userid === userid)) return false;
    this.change(externalUserId, userid, null);
    return true;
  }

  /**
   * The member (re-)adds the contact, a new one when `externalUserId` is absent; returns the
   * contact's id, or null when the member already follows them.
   */
  addFollow(
    input: { externalUserId?: string; userid: string; name?: string; unionid?: string },
    follow: Pick<SimFollow, 'createtime'> & Partial<SimFollow>,
  ): string | null {
    let id = input.externalUserId;
    if (id === undefined || this.contact(id) === null) {
      id ??= `wmc${this.shape.seed}n${++this.createdCount}`;
      this.created.set(id, {
        external_userid: id,
        name: input.name ?? `新客户${this.createdCount}`,
        type: 1,
        gender: 0,
        ...(input.unionid ? { unionid: input.unionid } : {}),
      });
    }
    if (this.follows(id).some((f) => f.userid === input.userid)) return null;
    this.change(id, input.userid, {
      userid: input.userid,
      remark: '',
      description: '',
      tag_id: [],
      remark_mobiles: [],
      add_way: 1,
      state: '',
      ...follow,
    });
    return id;
  }

  /** Adds and removes tags on one follow; false when the member does not follow the contact. */
  retag(externalUserId: string, userid: string, add: string[], remove: string[]): boolean {
    const follow = this.follows(externalUserId).find((f) => f.userid === userid);
    if (!follow) return false;
    const tags = new Set(follow.tag_id);
    add.forEach((t) => tags.add(t));
    remove.forEach((t) => tags.delete(t));
    this.change(externalUserId, userid, { ...follow, tag_id: [...tags] });
    return true;
  }

  /** Removes a tag from the library (follows keep listing it only if generated before). */
  deleteTag(tagId: string): boolean {
    const exists = this.tagLibrary().some((g) => g.tag.some((t) => t.id === tagId));
    if (exists) this.deletedTags.add(tagId);
    return exists;
  }

  private change(externalUserId: string, userid: string, follow: FollowChange): void {
    let changes = this.changed.get(externalUserId);
    if (!changes) this.changed.set(externalUserId, (changes = new Map()));
    changes.set(userid, follow);
    if (follow !== null && !this.isGeneratedFollow(externalUserId, userid)) {
      const added = this.addedByMember.get(userid) ?? [];
      if (!added.includes(externalUserId)) added.push(externalUserId);
      this.addedByMember.set(userid, added);
    }
  }

  private isGeneratedFollow(externalUserId: string, userid: string): boolean {
    const i = this.indexOf(externalUserId);
    if (i === null) return false;
    const M = this.members.length;
    const j = ((((this.memberIndex.get(userid) as number) - i) % M) + M) % M;
    return j < this.followCount(i);
  }
}

function encodeCursor(c: ByUserCursor): string {
  return Buffer.from(`${c.u}.${c.j}.${c.t}.${c.x}`).toString('base64url');
}

function decodeCursor(raw: string): ByUserCursor | null {
  const parts = Buffer.from(raw, 'base64url').toString().split('.').map(Number);
  if (parts.length !== 4 || parts.some((n) => !Number.isInteger(n) || n < 0)) return null;
  const [u, j, t, x] = parts;
  return { u, j, t, x };
}
