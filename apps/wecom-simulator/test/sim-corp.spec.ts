import { SimCorp, SimContactRow } from '../src/corp/sim-corp';

const shape = { seed: 7, members: 5, contacts: 2_000, unionidRate: 0.7, mobileRate: 0.3 };

/** Every (contact, member) row batch/get_by_user gives for `userids`, page by page. */
function allRows(corp: SimCorp, userids: string[], limit = 100): SimContactRow[] {
  const rows: SimContactRow[] = [];
  let cursor = '';
  do {
    const page = corp.byUser(userids, cursor, limit);
    if (page === null) throw new Error('bad cursor');
    expect(page.rows.length).toBeLessThanOrEqual(limit);
    rows.push(...page.rows);
    cursor = page.next_cursor;
  } while (cursor);
  return rows;
}

/** The relations the contacts themselves list, as `external_userid/userid`. */
function listed(corp: SimCorp): string[] {
  const { contacts } = corp.contactsPage(0, 1_000_000);
  return contacts.flatMap((c) =>
    corp.follows(c.external_userid).map((f) => `${c.external_userid}/${f.userid}`),
  );
}

describe('the generated corp', () => {
  it('is the same for the same seed and differs for another', () => {
    const a = new SimCorp(shape, ['zhangsan']);
    const b = new SimCorp(shape, ['zhangsan']);
    const c = new SimCorp({ ...shape, seed: 8 }, ['zhangsan']);
    expect(a.follows(a.externalId(42))).toEqual(b.follows(b.externalId(42)));
    expect(a.contact(a.externalId(42))).toEqual(b.contact(b.externalId(42)));
    expect(a.externalId(42)).not.toBe(c.externalId(42));
    expect(a.members).toEqual(['zhangsan', 'member0002', 'member0003', 'member0004', 'member0005']);
  });

  it('pages every relation exactly once through get_by_user, whatever the page size', () => {
    const corp = new SimCorp(shape, []);
    const expected = listed(corp).sort();
    for (const limit of [1, 37, 100]) {
      const got = allRows(corp, corp.members, limit).map(
        (r) => `${r.external_contact.external_userid}/${r.follow_info.userid}`,
      );
      expect(new Set(got).size).toBe(got.length);
      expect(got.sort()).toEqual(expected);
    }
    // 1 to 3 follows a contact: more relations than contacts, fewer than three times.
    expect(expected.length).toBeGreaterThan(2_000);
    expect(expected.length).toBeLessThan(6_000);
  });

  it('has unionids and remark mobiles at about the configured shares', () => {
    const corp = new SimCorp(shape, []);
    const { contacts } = corp.contactsPage(0, 2_000);
    const unionids = contacts.filter((c) => c.unionid).length / 2_000;
    const mobiles =
      contacts.filter((c) => corp.follows(c.external_userid)[0].remark_mobiles.length > 0).length /
      2_000;
    expect(unionids).toBeGreaterThan(0.65);
    expect(unionids).toBeLessThan(0.75);
    expect(mobiles).toBeGreaterThan(0.25);
    expect(mobiles).toBeLessThan(0.35);
  });

  it('applies deletions, re-adds, new contacts and tags to the pages', () => {
    const corp = new SimCorp(shape, []);
    const id = corp.externalId(3);
    const [first] = corp.follows(id);
    expect(corp.deleteFollow(id, first.userid)).toBe(true);
    expect(corp.deleteFollow(id, first.userid)).toBe(false);
    const other = corp.members.find((m) => !corp.follows(id).some((f) => f.userid === m)) as string;
    expect(corp.addFollow({ externalUserId: id, userid: other }, { createtime: 1 })).toBe(id);
    const fresh = corp.addFollow(
      { userid: first.userid, name: '新人' },
      { createtime: 2 },
    ) as string;
    const tag = corp.tagLibrary()[0].tag[0].id;
    expect(corp.retag(id, other, [tag], [])).toBe(true);
    const rows = allRows(corp, corp.members);
    const keys = rows.map((r) => `${r.external_contact.external_userid}/${r.follow_info.userid}`);
    expect(keys).not.toContain(`${id}/${first.userid}`);
    expect(keys).toContain(`${fresh}/${first.userid}`);
    expect(
      rows.find((r) => r.external_contact.external_userid === id && r.follow_info.userid === other)
        ?.follow_info.tag_id,
    ).toEqual([tag]);
    expect(keys.sort()).toEqual(listed(corp).sort());
  });

  it('holds no object per generated contact (a million contacts answer pages at once)', () => {
    const corp = new SimCorp({ ...shape, contacts: 1_000_000, members: 200 }, []);
    const started = Date.now();
    const page = corp.byUser(corp.members.slice(100), '', 100);
    expect(page?.rows).toHaveLength(100);
    expect(corp.follows(corp.externalId(999_999)).length).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
