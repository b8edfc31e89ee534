import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppException, Clock, ErrorDetail, formatDateTime } from '@app/common';

/** How many contacts the test group holds at most (issue 23). */
export const TEST_GROUP_LIMIT = 50;

export interface TestGroupMember {
  externalUserId: string;
  name: string;
  addedBy: number | null;
  /** YYYY-MM-DD HH:mm:ss (Shanghai). */
  addedAt: string;
}

interface MemberRow {
  external_userid: string;
  name: string;
  added_by: number | string | null;
  added_at: Date;
}

/**
 * The test group (docs/PIPELINE.md "Test sends"): internal WeCom contacts a test send reaches
 * instead of the rule's audience. An admin replaces the whole list; members kept keep when and
 * by whom they were added.
 */
@Injectable()
export class TestGroupService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly clock: Clock,
  ) {}

  async members(): Promise<TestGroupMember[]> {
    const rows: MemberRow[] = await this.db.query(
      `SELECT external_userid, name, added_by, added_at FROM test_group_members
        ORDER BY added_at, external_userid`,
    );
    return rows.map((r) => ({
      externalUserId: r.external_userid,
      name: r.name,
      addedBy: r.added_by === null ? null : Number(r.added_by),
      addedAt: formatDateTime(r.added_at),
    }));
  }

  /** The members' external ids, in the order a test run sends to them. */
  async externalUserIds(): Promise<string[]> {
    const rows: { external_userid: string }[] = await this.db.query(
      'SELECT external_userid FROM test_group_members ORDER BY external_userid',
    );
    return rows.map((r) => r.external_userid);
  }

  /**
   * Replaces the group with `members` (the DTO checked each id's shape and the size). Ids are
   * compared as the column does — ignoring case — so a duplicate is a 400 naming it, not a
   * key violation.
   */
  async replace(
    members: { externalUserId: string; name?: string }[],
    operatorId: number,
  ): Promise<TestGroupMember[]> {
    const seen = new Map<string, number>();
    const problems: ErrorDetail[] = [];
    members.forEach((m, i) => {
      const key = m.externalUserId.toLowerCase();
      const first = seen.get(key);
      if (first !== undefined) {
        problems.push({
          field: `members[${i}].externalUserId`,
          message: `duplicate of members[${first}] (${m.externalUserId})`,
        });
      } else seen.set(key, i);
    });
    if (problems.length) throw AppException.validation(problems, '测试组成员重复');
    const now = this.clock.now();
    await this.db.transaction(async (em) => {
      const ids = members.map((m) => m.externalUserId);
      if (ids.length === 0) await em.query('DELETE FROM test_group_members');
      else await em.query('DELETE FROM test_group_members WHERE external_userid NOT IN (?)', [ids]);
      if (ids.length === 0) return;
      await em.query(
        `INSERT INTO test_group_members (external_userid, name, added_by, added_at) VALUES ?
         ON DUPLICATE KEY UPDATE name = VALUES(name), external_userid = VALUES(external_userid)`,
        [members.map((m) => [m.externalUserId, m.name ?? '', operatorId, now])],
      );
    });
    return this.members();
  }
}
