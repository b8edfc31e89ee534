import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig, Clock, MetricsRegistry } from '@app/common';
import { BY_USER_MAX_USERIDS } from '@app/wecom';

const SYNC_KINDS = ['full', 'nightly'] as const;
/**
 * The reachability counts scan every follow relation: a count is reused for ten times as long
 * as it took (at most a minute), so scrapes spend at most a tenth of their time on it.
 */
const COUNTS_REUSE_FACTOR = 10;
const COUNTS_REUSE_MAX_MS = 60_000;

/** A read that fails (MySQL away) leaves the series out of this scrape instead of failing it. */
const quietly = async (read: () => Promise<void>): Promise<void> => {
  await read().catch(() => undefined);
};

/**
 * WeCom contacts' series (docs/WECOM.md "Metrics"), read from MySQL at scrape time on the api
 * and the worker alike (dashboards and alerts take `max` over instances):
 *
 * - `wpp_contacts_sync_running{kind}` — 1 while a full sync / nightly reconcile runs, else 0;
 * - `wpp_contacts_sync_progress_rows` — (contact × member) rows the running sync has written;
 * - `wpp_contacts_sync_progress_members_ratio` — members read / members with contacts, 0–1;
 * - `wpp_contacts_last_sync_age_seconds{kind}` — since the last completed run of each kind
 *   (left out before the first);
 * - `wpp_contacts_last_sync_corrected{kind}` — rows the last completed run corrected (for
 *   `nightly`: what callbacks missed);
 * - `wpp_contacts_reachable` — contacts followed by a member now;
 * - `wpp_contacts_unreachable{reason}` — contacts on the unreachable list (`no_follow`: no
 *   member follows them; `not_friend`: a send answered status 2).
 */
@Injectable()
export class ContactMetrics {
  constructor(
    db: DataSource,
    clock: Clock,
    @Inject(APP_CONFIG) config: AppConfig,
    metrics: MetricsRegistry,
  ) {
    const corp = config.WECOM_CORP_ID || 'corp';
    interface Running {
      kind: string;
      rows_read: number;
      members: string | string[] | null;
      chunk: number;
    }
    const running = async (): Promise<Running | undefined> =>
      (
        (await db.query(
          'SELECT kind, rows_read, members, chunk FROM wecom_contact_syncs WHERE running_corp = ?',
          [corp],
        )) as Running[]
      )[0];
    metrics.gauge({
      name: 'wpp_contacts_sync_running',
      help: 'Whether a WeCom contact sync of this kind (full, nightly) runs now (1) or not (0)',
      labelNames: ['kind'],
      collect() {
        this.reset();
        return quietly(async () => {
          const r = await running();
          for (const k of SYNC_KINDS) this.set({ kind: k }, r?.kind === k ? 1 : 0);
        });
      },
    });
    metrics.gauge({
      name: 'wpp_contacts_sync_progress_rows',
      help: '(contact x member) rows the running WeCom contact sync has written so far (0: none runs)',
      collect() {
        this.reset();
        return quietly(async () => this.set(Number((await running())?.rows_read ?? 0)));
      },
    });
    metrics.gauge({
      name: 'wpp_contacts_sync_progress_members_ratio',
      help: 'Members read by the running WeCom contact sync / members with contacts (0-1)',
      collect() {
        this.reset();
        return quietly(async () => {
          const r = await running();
          if (!r) return;
          const members = typeof r.members === 'string' ? JSON.parse(r.members) : r.members;
          const total = Array.isArray(members) ? members.length : 0;
          // `chunk` is the group of members (batch/get_by_user's limit) being read.
          this.set(total === 0 ? 0 : Math.min(1, (Number(r.chunk) * BY_USER_MAX_USERIDS) / total));
        });
      },
    });
    interface LastRun {
      kind: string;
      finished_at: Date;
      corrected: number;
    }
    const lastRuns = async (): Promise<LastRun[]> =>
      (await db.query(
        `SELECT s.kind, s.finished_at, s.follows_added + s.follows_changed + s.follows_removed AS corrected
           FROM wecom_contact_syncs s
           JOIN (SELECT kind, MAX(id) AS id FROM wecom_contact_syncs
                  WHERE corp_id = ? AND state = 'completed' GROUP BY kind) l ON l.id = s.id`,
        [corp],
      )) as LastRun[];
    metrics.gauge({
      name: 'wpp_contacts_last_sync_age_seconds',
      help: 'Seconds since the last completed WeCom contact sync of this kind (full, nightly)',
      labelNames: ['kind'],
      collect() {
        this.reset();
        const now = clock.now().getTime();
        return quietly(async () => {
          for (const r of await lastRuns())
            this.set({ kind: r.kind }, Math.max(0, (now - r.finished_at.getTime()) / 1000));
        });
      },
    });
    metrics.gauge({
      name: 'wpp_contacts_last_sync_corrected',
      help: 'Follow relations the last completed WeCom contact sync of this kind added, changed or removed',
      labelNames: ['kind'],
      collect() {
        this.reset();
        return quietly(async () => {
          for (const r of await lastRuns()) this.set({ kind: r.kind }, Number(r.corrected));
        });
      },
    });
    let counts: { until: number; reachable: number; unreachable: Map<string, number> } | null =
      null;
    const readCounts = async () => {
      const started = Date.now();
      if (counts && started < counts.until) return counts;
      const [r] = (await db.query(
        `SELECT COUNT(DISTINCT external_userid) AS n FROM wecom_follow_relations
          WHERE removed_at IS NULL`,
      )) as { n: number }[];
      const u = (await db.query(
        'SELECT reason, COUNT(*) AS n FROM contact_unreachable GROUP BY reason',
      )) as { reason: string; n: number }[];
      const took = Date.now() - started;
      counts = {
        until: Date.now() + Math.min(COUNTS_REUSE_MAX_MS, took * COUNTS_REUSE_FACTOR),
        reachable: Number(r?.n ?? 0),
        unreachable: new Map(u.map((x) => [x.reason, Number(x.n)])),
      };
      return counts;
    };
    metrics.gauge({
      name: 'wpp_contacts_reachable',
      help: 'WeCom contacts followed by at least one member now',
      collect() {
        this.reset();
        return quietly(async () => this.set((await readCounts()).reachable));
      },
    });
    metrics.gauge({
      name: 'wpp_contacts_unreachable',
      help: 'Contacts on the unreachable list, by reason (no_follow, not_friend)',
      labelNames: ['reason'],
      collect() {
        this.reset();
        return quietly(async () => {
          const c = await readCounts();
          for (const reason of ['no_follow', 'not_friend']) this.set({ reason }, 0);
          for (const [reason, n] of c.unreachable) this.set({ reason }, n);
        });
      },
    });
  }
}
