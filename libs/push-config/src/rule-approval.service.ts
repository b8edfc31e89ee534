import { Injectable } from '@nestjs/common';
import { AppException, Clock, ErrorCode, formatDateTime } from '@app/common';
import {
  ApproveVersionDto,
  PendingQueryDto,
  PendingVersionPage,
  RejectVersionDto,
  RuleVersionView,
} from './dto/rule-version.dto';
import { MAX_PAGE_SIZE } from './dto/push-rule.dto';
import { PushRuleRepository } from './push-rule.repository';
import { PushRuleService } from './push-rule.service';
import { diffBodies, RuleBody, RuleVersionRepository, VersionRow } from './rule-version.repository';

const fmt = (d: Date | null) => (d ? formatDateTime(d) : null);

/** A version's message: the rule's own content and attachments, and its variants. */
interface TestMessage {
  version: number;
  content: string | null;
  img: string | null;
  miniProgramTitle: string | null;
  miniProgramImg: string | null;
  miniProgramUrl: string | null;
  variants: RuleBody['variants'];
}

/**
 * Four eyes on rules (docs/SECURITY.md "Approval"): an approver who is not the author
 * approves a rule's pending version — which then becomes the live rule in the same
 * transaction — or rejects it with a comment; the versions with their field-by-field diffs;
 * the inbox of pending versions.
 */
@Injectable()
export class RuleApprovalService {
  constructor(
    private readonly rules: PushRuleRepository,
    private readonly ruleService: PushRuleService,
    private readonly versions: RuleVersionRepository,
    private readonly clock: Clock,
  ) {}

  async approve(body: ApproveVersionDto, operatorId: number): Promise<void> {
    const now = this.clock.now();
    await this.rules.transaction(async (em) => {
      await this.versions.lockNextNumber(em, body.id);
      const v = await this.pendingVersion(body.id, body.version, em);
      if (v.authorId === operatorId)
        throw new AppException(ErrorCode.SELF_APPROVAL, '不能审批自己提交的版本', [
          { field: 'version', message: 'the author of a version cannot approve it (four eyes)' },
        ]);
      await this.ruleService.applyVersion(em, body.id, v.body, v.version, operatorId, now);
      await this.versions.decide(
        em,
        body.id,
        v.version,
        'approved',
        operatorId,
        now,
        body.comment || null,
      );
    });
    await this.ruleService.changed(body.id);
  }

  async reject(body: RejectVersionDto, operatorId: number): Promise<void> {
    const now = this.clock.now();
    await this.rules.transaction(async (em) => {
      await this.versions.lockNextNumber(em, body.id);
      const v = await this.pendingVersion(body.id, body.version, em);
      await this.versions.decide(em, body.id, v.version, 'rejected', operatorId, now, body.comment);
    });
    await this.ruleService.changed(body.id);
  }

  /**
   * The message of the rule's newest version — pending or not — for a test send: what an
   * editor wants to see on a phone is the version waiting for approval, before it goes live.
   * Undefined for a rule without versions (rows written outside the API).
   */
  async newestMessage(pushId: number): Promise<TestMessage | undefined> {
    const v = await this.versions.latest(pushId);
    if (!v) return undefined;
    const b = v.body;
    const orNull = (x: string | undefined) => (x === undefined || x === '' ? null : x);
    return {
      version: v.version,
      content: orNull(b.content),
      img: orNull(b.img),
      miniProgramTitle: orNull(b.miniProgramTitle),
      miniProgramImg: orNull(b.miniProgramImg),
      miniProgramUrl: orNull(b.miniProgramUrl),
      variants: b.variants ?? [],
    };
  }

  /** Every version of a live rule, newest first, each with its diff against the one before. */
  async list(pushId: number): Promise<RuleVersionView[]> {
    if (!(await this.rules.findActive(pushId))) throw AppException.notFound('推送规则');
    const all = await this.versions.all(pushId);
    return all.map((v, i) => ({ ...view(v), diff: diffBodies(all[i + 1]?.body ?? null, v.body) }));
  }

  /** The inbox: pending versions of live rules, each diffed against the approved version. */
  async pending(q: PendingQueryDto): Promise<PendingVersionPage> {
    const page = q.page ?? 1;
    const pagesize = Math.min(q.pagesize ?? 10, MAX_PAGE_SIZE);
    const { rows, total } = await this.versions.pending((page - 1) * pagesize, pagesize);
    const data = [];
    for (const r of rows) {
      const approved =
        r.approvedVersion === null
          ? undefined
          : await this.versions.find(r.pushId, r.approvedVersion);
      data.push({
        id: r.pushId,
        name: r.name,
        version: r.version,
        approvedVersion: r.approvedVersion,
        authorId: r.authorId,
        authorName: r.authorName,
        createdAt: formatDateTime(r.createdAt),
        diff: diffBodies(approved?.body ?? null, r.body),
      });
    }
    return { data, total, page, pagesize, pages: Math.ceil(total / pagesize) };
  }

  private async pendingVersion(
    pushId: number,
    version: number,
    em: Parameters<RuleVersionRepository['find']>[2],
  ): Promise<VersionRow> {
    if (!(await this.rules.findActive(pushId))) throw AppException.notFound('推送规则');
    const v = await this.versions.find(pushId, version, em);
    if (!v) throw AppException.notFound('规则版本', 'version');
    if (v.state !== 'pending_approval')
      throw new AppException(ErrorCode.VERSION_NOT_PENDING, `版本 ${version} 不是待审批状态`, [
        {
          field: 'version',
          message: `version ${version} is ${v.state}; only the rule's pending version can be decided`,
        },
      ]);
    return v;
  }
}

function view(v: VersionRow): Omit<RuleVersionView, 'diff'> {
  return {
    version: v.version,
    state: v.state,
    authorId: v.authorId,
    authorName: v.authorName,
    createdAt: formatDateTime(v.createdAt),
    decidedBy: v.decidedBy,
    decidedByName: v.decidedByName,
    decidedAt: fmt(v.decidedAt),
    comment: v.comment,
  };
}
