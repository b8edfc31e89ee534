import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  APP_CONFIG,
  AppConfig,
  AppException,
  Clock,
  ErrorCode,
  retryOnConflict,
} from '@app/common';
import {
  BY_USER_MAX_USERIDS,
  WecomContactRow,
  WecomContactsClient,
  WecomCorpTagGroup,
} from '@app/wecom';
import { CallbackJobName, contactSyncJobId } from '../callback-queue.contracts';
import { CallbackQueues } from '../callback-queues';
import { FollowStore, Sql } from './follow-store';
import { GroupWriter } from './group-writer';

export type SyncKind = 'full' | 'nightly';

/** One sync or reconcile as the API shows it. */
export interface ContactSyncView {
  id: number;
  kind: SyncKind;
  state: 'running' | 'completed' | 'failed';
  startedAt: Date;
  finishedAt: Date | null;
  membersTotal: number;
  membersDone: number;
  pages: number;
  rowsRead: number;
  customersCreated: number;
  customersLinked: number;
  followsAdded: number;
  followsChanged: number;
  followsRemoved: number;
  unreachableMarked: number;
  reachableAgain: number;
  /** Rows the run corrected: follows added, changed and removed. */
  corrected: number;
  error: string | null;
}

export interface MatchRates {
  /** Contacts some member follows now. */
  contacts: number;
  /** How those contacts found their customer row; `created`: no buyer matched. */
  byMethod: Record<'existing' | 'unionid' | 'mobile' | 'mapping' | 'created', number>;
  /** Customers with at least one order. */
  buyers: number;
  /** Buyers reachable through a followed contact, and those who are not. */
  buyersMatched: number;
  buyersUnmatched: number;
  buyerMatchRate: number;
}

interface SyncRow {
  id: number;
  kind: SyncKind;
  state: ContactSyncView['state'];
  started_at: Date;
  finished_at: Date | null;
  members: string | string[] | null;
  chunk: number;
  pages: number;
  rows_read: number;
  customers_created: number;
  customers_linked: number;
  follows_added: number;
  follows_changed: number;
  follows_removed: number;
  unreachable_marked: number;
  reachable_again: number;
  error: string | null;
}

const membersOf = (r: SyncRow): string[] | null =>
  r.members === null
    ? null
    : typeof r.members === 'string'
      ? (JSON.parse(r.members) as string[])
      : r.members;

/** A running sync whose job has not written for this long has lost its worker; a new start replaces it. */
const ABANDONED_MS = 10 * 60_000;
/** The chunk moved on from the page's cursor meanwhile: another runner applied that page. */
class PageTaken extends Error {}

/** How often the chains sum their chunks onto the sync row (status, metrics) and beat its heartbeat. */
const ROLLUP_MS = 2_000;
/** Pages one transaction applies at most (≤ 100 rows each). */
const GROUP_MAX_PAGES = 48;
/** Pages a chain may have read and not yet written before it waits for the writer. */
const CHAIN_UNWRITTEN_PAGES = 3;

/** A page as a chain read it: the chunk, the cursor it was read at and when. */
interface ReadPage {
  chunk: number;
  cursor: string;
  readAt: Date;
  rows: readonly WecomContactRow[];
  nextCursor: string;
}

const NO_COUNTS = { created: 0, linked: 0, added: 0, changed: 0, unreachable: 0, reachable: 0 };
/** A chunk's progress over the pages of one write, and the counts it adds. */
type ChunkMove = { c: number; from: string; to: string; pages: number; rows: number } & Record<
  keyof typeof NO_COUNTS,
  number
>;

/**
 * The full sync and the nightly reconcile (docs/WECOM.md "Contact sync"): members, then
 * every member's contacts 100 members and 100 rows at a time, each page written in one
 * transaction with the progress (chunk and cursor), so a restarted job resumes where the
 * last page ended; then what no page listed is removed, and the counts recorded. One at a
 * time per corp (`running_corp`, unique).
 */
@Injectable()
export class ContactSyncService {
  private readonly logger = new Logger('ContactSync');

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly client: WecomContactsClient,
    private readonly store: FollowStore,
    private readonly queues: CallbackQueues,
  ) {}

  private get corpId(): string {
    return this.config.WECOM_CORP_ID || 'corp';
  }

  /** Records a new sync and enqueues it; 409 SYNC_RUNNING while another runs. */
  async start(kind: SyncKind): Promise<ContactSyncView> {
    const now = this.clock.now();
    await this.db.query(
      `UPDATE wecom_contact_syncs SET state = 'failed', running_corp = NULL, finished_at = ?,
              error = 'abandoned: no progress for 10 minutes'
        WHERE running_corp = ? AND heartbeat_at < ?`,
      [now, this.corpId, new Date(now.getTime() - ABANDONED_MS)],
    );
    let id: number;
    try {
      const result = (await this.db.query(
        `INSERT INTO wecom_contact_syncs (corp_id, kind, state, running_corp, started_at, heartbeat_at)
         VALUES (?, ?, 'running', ?, ?, ?)`,
        [this.corpId, kind, this.corpId, now, now],
      )) as { insertId: number };
      id = result.insertId;
    } catch (e) {
      if ((e as { code?: string }).code === 'ER_DUP_ENTRY') {
        throw new AppException(ErrorCode.CONFLICT, 'a contact sync is already running', [
          { field: 'sync', message: 'already running' },
        ]);
      }
      throw e;
    }
    await this.queues.add(
      CallbackJobName.SYNC_CONTACTS,
      { syncId: id },
      { jobId: contactSyncJobId(id) },
    );
    return (await this.find(id))!;
  }

  /**
   * Runs (or resumes) a sync to its end: the members and the tag library once, then the
   * member chunks' cursor chains side by side; a failure is recorded and rethrown for the
   * job's retry, which resumes every chunk where its last applied page ended.
   */
  async run(syncId: number): Promise<ContactSyncView | null> {
    let row = await this.row(syncId);
    if (!row || row.state !== 'running') return row && view(row);
    try {
      if (membersOf(row) === null) await this.plan(syncId);
      if (await this.readChunks(syncId)) await this.finish(syncId);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.logger.warn(`contact sync ${syncId} stopped: ${message} (resumes on retry)`);
      await this.db.query('UPDATE wecom_contact_syncs SET error = ? WHERE id = ?', [
        message.slice(0, 1000),
        syncId,
      ]);
      throw e;
    }
    row = await this.row(syncId);
    return row && view(row);
  }

  /**
   * Reads the members and the tag library and splits the members into chunks, one per
   * cursor chain (≤ 100 members: batch/get_by_user's limit), recorded with the members so a
   * restart reads the same chunks whatever WECOM_CONTACTS_SYNC_CHAINS says then.
   */
  private async plan(syncId: number): Promise<void> {
    const members = await this.client.followUserList();
    await this.syncTagLibrary(await this.client.corpTagList());
    const size = Math.min(
      BY_USER_MAX_USERIDS,
      Math.max(1, Math.ceil(members.length / this.config.WECOM_CONTACTS_SYNC_CHAINS)),
    );
    const chunks: string[][] = [];
    for (let i = 0; i < members.length; i += size) chunks.push(members.slice(i, i + size));
    await this.db.transaction(async (tx) => {
      if (chunks.length) {
        await tx.query(
          'INSERT IGNORE INTO wecom_contact_sync_chunks (sync_id, chunk, userids) VALUES ?',
          [chunks.map((userids, i) => [syncId, i, JSON.stringify(userids)])],
        );
      }
      await tx.query('UPDATE wecom_contact_syncs SET members = ?, heartbeat_at = ? WHERE id = ?', [
        JSON.stringify(members),
        this.clock.now(),
        syncId,
      ]);
    });
  }

  /**
   * Reads every chunk not done, WECOM_CONTACTS_SYNC_CHAINS at a time, each its cursor chain
   * page after page, and hands the pages to WECOM_CONTACTS_SYNC_WRITERS writers, each of
   * which applies all pages waiting for it, of its chains, in one transaction (`applyPages`);
   * the first failure stops the others after their pages in hand. True when every chunk is done; false when the sync stopped running
   * meanwhile (failed by an operator or replaced as abandoned) or another runner moved a
   * chunk on.
   */
  private async readChunks(syncId: number): Promise<boolean> {
    const todo = (
      (await this.db.query(
        `SELECT chunk, userids, page_cursor FROM wecom_contact_sync_chunks
          WHERE sync_id = ? AND done = 0 ORDER BY chunk`,
        [syncId],
      )) as { chunk: number; userids: string | string[]; page_cursor: string }[]
    ).map((c) => ({
      chunk: c.chunk,
      userids: typeof c.userids === 'string' ? (JSON.parse(c.userids) as string[]) : c.userids,
      cursor: c.page_cursor,
    }));
    // A chunk's pages always go to the same writer: they move its cursor on in order.
    const writers = Array.from(
      { length: this.config.WECOM_CONTACTS_SYNC_WRITERS },
      () => new GroupWriter<ReadPage>((pages) => this.applyPages(syncId, pages), GROUP_MAX_PAGES),
    );
    let stop = false;
    let rolledUpAt = Date.now();
    const chain = async () => {
      /** This chain's pages handed to the writer and not yet written, oldest first. */
      const unwritten: Promise<void>[] = [];
      try {
        for (let next = todo.shift(); next && !stop; next = todo.shift()) {
          const userids = next.userids;
          let cursor = next.cursor;
          let reading = this.client.byUserPage(userids, cursor);
          for (;;) {
            const page = await reading;
            const readAt = this.clock.now();
            // The next page is read while this one waits to be written: WeCom's latency and
            // the writes overlap (a page read for nothing, if this chain stops, costs one call).
            if (page.nextCursor) {
              reading = this.client.byUserPage(userids, page.nextCursor);
              reading.catch(() => undefined); // awaited below, or dropped when the chain stops
            }
            const written = writers[next.chunk % writers.length].submit({
              chunk: next.chunk,
              cursor,
              readAt,
              ...page,
            });
            // A failed write stops every chain after its page in hand (and is awaited below).
            written.catch(() => (stop = true));
            unwritten.push(written);
            if (unwritten.length > CHAIN_UNWRITTEN_PAGES) await unwritten.shift();
            if (Date.now() - rolledUpAt >= ROLLUP_MS) {
              rolledUpAt = Date.now();
              if (!(await this.rollUp(syncId))) stop = true;
            }
            if (!page.nextCursor || stop) break;
            cursor = page.nextCursor;
          }
        }
      } finally {
        await Promise.allSettled(unwritten);
      }
      await Promise.all(unwritten);
    };
    const results = await Promise.allSettled(
      Array.from({ length: Math.min(this.config.WECOM_CONTACTS_SYNC_CHAINS, todo.length) }, () =>
        chain().catch((e: unknown) => {
          stop = true;
          throw e;
        }),
      ),
    );
    // PageTaken: not applied, another runner of this sync moved the chunk on and reads the rest.
    const failed = results.find(
      (r): r is PromiseRejectedResult =>
        r.status === 'rejected' && !(r.reason instanceof PageTaken),
    );
    if (failed) throw failed.reason;
    return !stop;
  }

  /**
   * Applies pages (of one or more chunks, each chunk's in order) in one transaction with
   * their chunks' progress, each chunk moved on only from the cursor its first page was read
   * at — else all is rolled back (PageTaken): a page applies once, whoever else runs. READ
   * COMMITTED: no gap locks beside the other writers and the callbacks; one sharing a contact
   * waits for this transaction on its identity row (ContactIdentityService.lockContacts), or
   * the other way round, and then reads what the other committed. A deadlock or lock wait timeout rolls the
   * pages back; they are applied again after a growing, random pause.
   */
  private async applyPages(syncId: number, pages: ReadPage[]): Promise<void> {
    const chunks = new Map<number, ChunkMove>();
    for (const p of pages) {
      const m = chunks.get(p.chunk) ?? {
        c: p.chunk,
        from: p.cursor,
        to: '',
        pages: 0,
        rows: 0,
        ...NO_COUNTS,
      };
      m.to = p.nextCursor;
      m.pages++;
      m.rows += p.rows.length;
      chunks.set(p.chunk, m);
    }
    const moves = [...chunks.values()];
    await retryOnConflict(
      () =>
        this.db.transaction('READ COMMITTED', async (tx) => {
          const c = await this.store.applyPages(tx, pages, syncId);
          // The counts of the pages' contacts go to the first chunk's row: only their sums
          // (rollUp) are shown.
          for (const k of Object.keys(NO_COUNTS) as (keyof typeof NO_COUNTS)[]) moves[0][k] = c[k];
          // One row a statement, by its key: a join would read (and wait for) the rows other
          // writers are moving on.
          for (const m of moves) {
            const moved = (await tx.query(
              `UPDATE wecom_contact_sync_chunks
                  SET page_cursor = ?, done = ?, pages = pages + ?, rows_read = rows_read + ?,
                      customers_created = customers_created + ?, customers_linked = customers_linked + ?,
                      follows_added = follows_added + ?, follows_changed = follows_changed + ?,
                      unreachable_marked = unreachable_marked + ?, reachable_again = reachable_again + ?
                WHERE sync_id = ? AND chunk = ? AND page_cursor = ? AND done = 0`,
              [
                m.to,
                m.to ? 0 : 1,
                m.pages,
                m.rows,
                m.created,
                m.linked,
                m.added,
                m.changed,
                m.unreachable,
                m.reachable,
                syncId,
                m.c,
                m.from,
              ],
            )) as { affectedRows?: number };
            if (moved.affectedRows !== 1) throw new PageTaken();
          }
        }),
      {
        onRetry: (attempt, code) =>
          this.logger.warn(
            `contact sync ${syncId}: ${code} writing ${pages.length} pages, again (${attempt})`,
          ),
      },
    );
  }

  /**
   * The chunks' progress and counts summed onto the sync row (what status and metrics show)
   * with the heartbeat; false when the sync no longer runs.
   */
  private async rollUp(syncId: number, q: Sql = this.db): Promise<boolean> {
    const [t] = (await q.query(
      `SELECT COALESCE(SUM(IF(done = 1, JSON_LENGTH(userids), 0)), 0) AS members_done,
              COALESCE(SUM(pages), 0) AS pages, COALESCE(SUM(rows_read), 0) AS rows_read,
              COALESCE(SUM(customers_created), 0) AS customers_created,
              COALESCE(SUM(customers_linked), 0) AS customers_linked,
              COALESCE(SUM(follows_added), 0) AS follows_added,
              COALESCE(SUM(follows_changed), 0) AS follows_changed,
              COALESCE(SUM(unreachable_marked), 0) AS unreachable_marked,
              COALESCE(SUM(reachable_again), 0) AS reachable_again
         FROM wecom_contact_sync_chunks WHERE sync_id = ?`,
      [syncId],
    )) as Record<string, number | string>[];
    const n = (k: string) => Number(t[k]);
    const result = (await q.query(
      `UPDATE wecom_contact_syncs
          SET chunk = ?, pages = ?, rows_read = ?, customers_created = ?, customers_linked = ?,
              follows_added = ?, follows_changed = ?, unreachable_marked = ?, reachable_again = ?,
              heartbeat_at = ?
        WHERE id = ? AND state = 'running'`,
      [
        Math.floor(n('members_done') / BY_USER_MAX_USERIDS),
        n('pages'),
        n('rows_read'),
        n('customers_created'),
        n('customers_linked'),
        n('follows_added'),
        n('follows_changed'),
        n('unreachable_marked'),
        n('reachable_again'),
        this.clock.now(),
        syncId,
      ],
    )) as { affectedRows?: number };
    return result.affectedRows === 1;
  }

  /** Marks the run failed for good (its job gave up). */
  async fail(syncId: number, message: string): Promise<void> {
    await this.db.query(
      `UPDATE wecom_contact_syncs SET state = 'failed', running_corp = NULL, finished_at = ?, error = ?
        WHERE id = ? AND state = 'running'`,
      [this.clock.now(), message.slice(0, 1000), syncId],
    );
  }

  /** Relations no page listed (and no callback touched since the sync began) are gone. */
  private async finish(syncId: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      const [row] = (await tx.query(
        'SELECT started_at FROM wecom_contact_syncs WHERE id = ? FOR UPDATE',
        [syncId],
      )) as {
        started_at: Date;
      }[];
      const [{ left }] = (await tx.query(
        'SELECT COUNT(*) AS `left` FROM wecom_contact_sync_chunks WHERE sync_id = ? AND done = 0',
        [syncId],
      )) as { left: number | string }[];
      if (Number(left) > 0) throw new Error(`${left} member chunks not read to their end`);
      if (!(await this.rollUp(syncId, tx as Sql))) return;
      const gone = (await tx.query(
        `SELECT external_userid AS e, userid AS u FROM wecom_follow_relations
          WHERE removed_at IS NULL AND (seen_sync_id IS NULL OR seen_sync_id <> ?) AND changed_at < ?`,
        [syncId, row.started_at],
      )) as { e: string; u: string }[];
      const now = this.clock.now();
      let removed = 0;
      let unreachable = 0;
      for (let i = 0; i < gone.length; i += 1000) {
        const c = await this.store.apply(
          tx as Sql,
          gone.slice(i, i + 1000).map((g) => ({
            externalUserId: g.e,
            userid: g.u,
            at: now,
            active: false,
            removedBy: 'sync',
          })),
        );
        removed += c.removed;
        unreachable += c.unreachable;
      }
      await tx.query(
        `UPDATE wecom_contact_syncs
            SET state = 'completed', running_corp = NULL, finished_at = ?, heartbeat_at = ?,
                follows_removed = follows_removed + ?, unreachable_marked = unreachable_marked + ?, error = NULL
          WHERE id = ? AND state = 'running'`,
        [now, now, removed, unreachable, syncId],
      );
    });
  }

  private async syncTagLibrary(groups: WecomCorpTagGroup[]): Promise<void> {
    const now = this.clock.now();
    const tags = groups.flatMap((g) =>
      g.deleted
        ? []
        : g.tag
            .filter((t) => !t.deleted)
            .map((t) => [t.id, g.group_id, g.group_name, t.name, t.order ?? 0, null, now]),
    );
    await this.db.transaction(async (tx) => {
      if (tags.length) {
        await tx.query(
          `INSERT INTO wecom_corp_tags (tag_id, group_id, group_name, name, sort_order, deleted_at, updated_at)
           VALUES ? ON DUPLICATE KEY UPDATE group_id = VALUES(group_id), group_name = VALUES(group_name),
             name = VALUES(name), sort_order = VALUES(sort_order), deleted_at = NULL, updated_at = VALUES(updated_at)`,
          [tags],
        );
      }
      await tx.query(
        'UPDATE wecom_corp_tags SET deleted_at = ? WHERE deleted_at IS NULL AND updated_at < ?',
        [now, now],
      );
    });
  }

  /** Re-reads the tag library (a tag callback: WeCom names only the tag that changed), unless read since `since`. */
  async refreshTagLibrary(since: Date): Promise<void> {
    const [r] = (await this.db.query('SELECT MAX(updated_at) AS at FROM wecom_corp_tags')) as {
      at: Date | null;
    }[];
    if (r.at !== null && r.at.getTime() >= since.getTime()) return;
    await this.syncTagLibrary(await this.client.corpTagList());
  }

  async find(id: number): Promise<ContactSyncView | null> {
    const row = await this.row(id);
    return row && view(row);
  }

  /** The running sync (if any) and the last finished full sync and nightly reconcile. */
  async status(): Promise<{
    running: ContactSyncView | null;
    lastFull: ContactSyncView | null;
    lastNightly: ContactSyncView | null;
  }> {
    const last = async (where: string, params: unknown[]) => {
      const [r] = (await this.db.query(
        `SELECT * FROM wecom_contact_syncs WHERE ${where} ORDER BY id DESC LIMIT 1`,
        params,
      )) as SyncRow[];
      return r ? view(r) : null;
    };
    return {
      running: await last('running_corp = ?', [this.corpId]),
      lastFull: await last("corp_id = ? AND kind = 'full' AND state <> 'running'", [this.corpId]),
      lastNightly: await last("corp_id = ? AND kind = 'nightly' AND state <> 'running'", [
        this.corpId,
      ]),
    };
  }

  /**
   * How well WeCom contacts and shop buyers are linked: contacts (followed now) by how they
   * found their customer, buyers (customers with an order) with and without a contact.
   */
  async matchRates(): Promise<MatchRates> {
    const [c] = (await this.db.query(
      `SELECT COUNT(*) AS contacts,
              SUM(i.method = 'existing') AS existing, SUM(i.method = 'unionid') AS unionid,
              SUM(i.method = 'mobile') AS mobile, SUM(i.method = 'mapping') AS mapping,
              SUM(i.method = 'created' OR i.method IS NULL) AS created
         FROM (SELECT DISTINCT external_userid FROM wecom_follow_relations WHERE removed_at IS NULL) f
         LEFT JOIN wecom_contact_identities i ON i.external_userid = f.external_userid`,
    )) as Record<string, unknown>[];
    const [b] = (await this.db.query(
      `SELECT COUNT(*) AS buyers,
              SUM(EXISTS (SELECT 1 FROM wecom_follow_relations r
                           WHERE r.external_userid = cu.external_userid AND r.removed_at IS NULL)) AS reachable
         FROM customer_last_order l JOIN customers cu ON cu.id = l.customer_id`,
    )) as Record<string, unknown>[];
    const n = (v: unknown) => Number(v ?? 0);
    const buyers = n(b.buyers);
    const reachable = n(b.reachable);
    return {
      contacts: n(c.contacts),
      byMethod: {
        existing: n(c.existing),
        unionid: n(c.unionid),
        mobile: n(c.mobile),
        mapping: n(c.mapping),
        created: n(c.created),
      },
      buyers,
      buyersMatched: reachable,
      buyersUnmatched: buyers - reachable,
      buyerMatchRate: buyers === 0 ? 0 : Math.round((reachable / buyers) * 10000) / 10000,
    };
  }

  private async row(id: number): Promise<SyncRow | null> {
    const [r] = (await this.db.query('SELECT * FROM wecom_contact_syncs WHERE id = ?', [
      id,
    ])) as SyncRow[];
    return r ?? null;
  }
}

function view(r: SyncRow): ContactSyncView {
  const members = membersOf(r) ?? [];
  const n = (v: unknown) => Number(v);
  return {
    id: r.id,
    kind: r.kind,
    state: r.state,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    membersTotal: members.length,
    membersDone:
      r.state === 'completed'
        ? members.length
        : Math.min(members.length, r.chunk * BY_USER_MAX_USERIDS),
    pages: n(r.pages),
    rowsRead: n(r.rows_read),
    customersCreated: n(r.customers_created),
    customersLinked: n(r.customers_linked),
    followsAdded: n(r.follows_added),
    followsChanged: n(r.follows_changed),
    followsRemoved: n(r.follows_removed),
    unreachableMarked: n(r.unreachable_marked),
    reachableAgain: n(r.reachable_again),
    corrected: n(r.follows_added) + n(r.follows_changed) + n(r.follows_removed),
    error: r.error,
  };
}
