import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@app/common';
import { ContactLedger, ContactPolicyService, RulePolicy } from '@app/contact-policy';
import {
  addExclusions,
  ExclusionCounts,
  noExclusions,
  RULE_POLICY_LIMITS,
  SenderFallback,
  SenderMode,
} from '@app/contracts';
import type { SqlRunner } from '@app/database';
import { assignSenders, readOwners, RunSenders, skipsWithoutOwner } from './owners';
import { ExperimentDesign, splitControls } from '@app/experiments';
import {
  AudienceCursor,
  AudienceRow,
  AudienceStrategy,
  audienceCountQuery,
  audiencePageQuery,
  LabelPlan,
  labelIdsQuery,
  labelPlan,
  labelRowsEstimateQuery,
  SqlStatement,
} from './audience-query';
import { AudienceCriteria, AudienceRule, AudienceWindow, audienceCriteria } from './audience-rule';

/** How a rule's statements are built now: its criteria, resolved labels and strategy. */
interface AudiencePlan {
  criteria: AudienceCriteria;
  labels: LabelPlan;
  strategy: AudienceStrategy;
}

/** The conditions of a rule in the order preview's steps apply them. */
type AudienceCondition = 'window' | 'labels' | 'exclusions' | 'value';

interface AudienceStep {
  condition: AudienceCondition;
  /** The audience (distinct reachable external ids) after this condition and those before. */
  remaining: number;
}

/**
 * Above this many customer_label_orders rows in the window, a rule's labels are read
 * through the per-customer probe instead (see AudienceStrategy). A selection reads the label
 * rows once per SORTED_ROWS rows of its audience (not once per page, since issue 21), at
 * ~1 µs a row against ~5–15 µs a window customer for the probe, so the label side wins far
 * beyond the 300,000 rows of the per-page design: one city over 0–365 days reads 530,662
 * label rows for 51,121 customers, where the probe read the window's ~1M.
 */
export const LABEL_DRIVEN_MAX_ROWS = 1_500_000;

/**
 * Rows of one label-driven statement of a selection: its result is held until cut into
 * pages, so this bounds the memory (an external id and its keys a row: ~20 MiB).
 */
const SORTED_ROWS = 200_000;

export interface AudiencePage {
  externalUserids: string[];
  /** Where the next page starts; null when this page was the last. */
  next: AudienceCursor | null;
}

interface AudiencePreview {
  /** Who a run now would send to: the rule's audience less the policy's exclusions and controls. */
  count: number;
  excluded: ExclusionCounts;
  /**
   * Held out, not sent: the rule's holdout (null for a rule not saved yet: its draw depends on
   * the rule's id) and the global control group.
   */
  control: { holdout: number | null; global: number };
  sample: string[];
  window: AudienceWindow;
  /**
   * The audience after each condition the rule sets, in order (window → labels → exclusions →
   * value), before the contact policy: which condition empties it.
   */
  steps: AudienceStep[];
  tookMs: number;
}

const PREVIEW_SAMPLE_SIZE = 20;

/** A saved rule (its id: cooldown and holdout draw) or a request body (neither yet). */
type PreviewRule = AudienceRule & {
  id?: number;
  cooldownDays?: number;
  capExempt?: boolean;
  holdoutPercent?: number;
  ignoreGlobalControl?: boolean;
  /** Issue 22: an `owner` rule that skips customers without a store guide excludes them (noOwner). */
  senderMode?: SenderMode;
  senderFallback?: SenderFallback;
};

/**
 * Selects a rule's audience (SPEC §6) at the instant `at`: distinct, non-empty external
 * userids in a stable order, in pages bounded by PUSH_BATCH_SIZE. Every page is one bounded
 * keyset query, so memory does not grow with the audience and no connection is held
 * between pages.
 */
@Injectable()
export class SelectAudienceService {
  /** See LABEL_DRIVEN_MAX_ROWS; negative: always the probe plan (tests use it). */
  labelDrivenMaxRows = LABEL_DRIVEN_MAX_ROWS;
  /** See SORTED_ROWS (tests lower it to cross statement boundaries). */
  sortedRows = SORTED_ROWS;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly policy: ContactPolicyService,
    private readonly ledger: ContactLedger,
  ) {}

  get batchSize(): number {
    return this.config.PUSH_BATCH_SIZE;
  }

  /** Every batch of the audience, in order; each id appears once across all batches. */
  async *select(rule: AudienceRule, at: Date, batchSize = this.batchSize): AsyncIterable<string[]> {
    for await (const page of this.pages(rule, at, null, batchSize)) {
      if (page.externalUserids.length) yield page.externalUserids;
    }
  }

  /**
   * The pages after `cursor` (null: from the start) with their keyset positions, for callers
   * that persist where they are; through `runner` (see `page`). A page may be empty.
   */
  async *pages(
    rule: AudienceRule,
    at: Date,
    cursor: AudienceCursor | null,
    batchSize = this.batchSize,
    runner: SqlRunner = this.db,
  ): AsyncGenerator<AudiencePage> {
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError('limit must be ≥ 1');
    // Which plan, through the selection's runner (its snapshot).
    const plan = await this.plan(rule, at, runner);
    if (plan.labels.empty) {
      yield { externalUserids: [], next: null };
      return;
    }
    if (plan.strategy === 'labels') {
      yield* this.sortedOnce(plan, cursor, batchSize, runner);
      return;
    }
    // Keyset pages, each planned again: cheap (label ids and an estimate), and both label
    // plans give the same rows in the same order.
    let after = cursor;
    do {
      const page = await this.page(rule, at, after, batchSize, runner);
      yield page;
      after = page.next;
    } while (after);
  }

  /**
   * The label-driven plan reads every label row of the window to find its candidates, and a
   * keyset page would read them all again for each page (0–60 days × 7 labels on the
   * 1M / 10M set: 13 pages, 24 s). So its remaining rows are read by one statement, sorted
   * once, and cut into pages here — SORTED_ROWS at most per statement (the next one starts
   * after the last row), which bounds the memory the statement's rows take.
   */
  private async *sortedOnce(
    plan: AudiencePlan,
    cursor: AudienceCursor | null,
    batchSize: number,
    runner: SqlRunner,
  ): AsyncGenerator<AudiencePage> {
    const bound = this.sortedRows;
    let after = cursor;
    for (;;) {
      const rows = await this.run<AudienceRow>(
        audiencePageQuery(plan.criteria, plan.labels, after, bound, 'labels'),
        runner,
      );
      const more = rows.length === bound;
      if (rows.length === 0) {
        yield { externalUserids: [], next: null };
        return;
      }
      for (let i = 0; i < rows.length; i += batchSize) {
        const page = rows.slice(i, i + batchSize);
        const last = page[page.length - 1];
        after =
          i + batchSize < rows.length || more
            ? { lastOrderAt: last.lastOrderAt, customerId: last.customerId }
            : null;
        yield { externalUserids: page.map((r) => r.externalUserid), next: after };
      }
      if (!more) return;
    }
  }

  /**
   * One batch after `cursor` (null: the first), for callers that persist their position.
   * `runner` (e.g. a QueryRunner inside `START TRANSACTION WITH CONSISTENT SNAPSHOT`) makes
   * successive pages read one snapshot, so a customer whose last order moves during the
   * selection cannot appear in two pages.
   */
  async page(
    rule: AudienceRule,
    at: Date,
    cursor: AudienceCursor | null,
    limit = this.batchSize,
    runner: SqlRunner = this.db,
  ): Promise<AudiencePage> {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be ≥ 1');
    const plan = await this.plan(rule, at, runner);
    if (plan.labels.empty) return { externalUserids: [], next: null };
    const rows = await this.run<AudienceRow>(
      audiencePageQuery(plan.criteria, plan.labels, cursor, limit, plan.strategy),
      runner,
    );
    const last = rows[rows.length - 1];
    return {
      externalUserids: rows.map((r) => r.externalUserid),
      next:
        rows.length === limit
          ? { lastOrderAt: last.lastOrderAt, customerId: last.customerId }
          : null,
    };
  }

  async count(rule: AudienceRule, at: Date): Promise<number> {
    return this.countOf(audienceCriteria(rule, at));
  }

  /**
   * The audience's size after each condition the rule sets, in order: the window (for
   * labelledGoods: the last purchase of the goods), the labels (lastOrder: the label match;
   * labelledGoods: the places), the exclusions, the value tier. The last is `count`.
   */
  async steps(rule: AudienceRule, at: Date): Promise<AudienceStep[]> {
    const full = audienceCriteria(rule, at);
    const none = {
      cityNames: [],
      warehouseBindIds: [],
      categoryBindIds: [],
      brandNames: [],
      skuBindIds: [],
    };
    const labelled = full.basis === 'labelledGoods';
    const places = full.labels.cityNames.length + full.labels.warehouseBindIds.length > 0;
    const stages: [AudienceCondition, boolean, AudienceCriteria][] = [];
    const unexcluded = { ...full, exclude: none, hasExclusions: false, value: null };
    const windowOnly: AudienceCriteria = labelled
      ? { ...unexcluded, labels: { ...full.labels, cityNames: [], warehouseBindIds: [] } }
      : { ...unexcluded, labels: none, hasLabels: false };
    stages.push(['window', true, windowOnly]);
    stages.push(['labels', labelled ? places : full.hasLabels, unexcluded]);
    stages.push(['exclusions', full.hasExclusions, { ...full, value: null }]);
    stages.push(['value', full.value !== null, full]);
    const steps: AudienceStep[] = [];
    for (const [condition, set, criteria] of stages) {
      if (set) steps.push({ condition, remaining: await this.countOf(criteria) });
    }
    return steps;
  }

  private async countOf(criteria: AudienceCriteria): Promise<number> {
    const plan = await this.planOf(criteria);
    if (plan.labels.empty) return 0;
    const [row] = await this.run<{ n: string | number }>(
      audienceCountQuery(plan.criteria, plan.labels, plan.strategy),
    );
    return Number(row.n);
  }

  /** Which plan the audience statement of this rule would use now (see AudienceStrategy). */
  async strategy(rule: AudienceRule, at: Date): Promise<AudienceStrategy> {
    return (await this.plan(rule, at)).strategy;
  }

  /** The first `n` ids in the audience's order (deterministic, so previews are comparable). */
  async sample(rule: AudienceRule, at: Date, n: number): Promise<string[]> {
    if (n === 0) return [];
    return (await this.page(rule, at, null, n)).externalUserids;
  }

  /**
   * What preview shows, computed now, nothing sent: who a run would reach — the audience's
   * pages read from one snapshot, each checked against the contact policy exactly as the
   * run's reservation checks it (docs/AUDIENCE.md) — the exclusions by reason, a sample of
   * the reached and the window. `rule` is a saved rule (its id for the cooldown) or a
   * request body (no history yet: no cooldown).
   */
  async preview(rule: PreviewRule, at: Date): Promise<AudiencePreview> {
    const started = process.hrtime.bigint();
    const window = audienceCriteria(rule, at).window;
    const steps = await this.steps(rule, at);
    const global = await this.policy.globalControl();
    const holdoutPercent = rule.id ? (rule.holdoutPercent ?? 0) : 0;
    const splits = global.percent > 0 || holdoutPercent > 0;
    const senders: RunSenders = {
      mode: rule.senderMode ?? 'wecom',
      fallback: rule.senderFallback ?? 'wecom',
    };
    const result =
      this.config.CONTACT_POLICY_ENABLED || splits || skipsWithoutOwner(senders)
        ? await this.reach(rule, at, senders, {
            ruleId: rule.id ?? 0,
            holdoutPercent,
            globalControlPercent: global.percent,
            salt: global.salt,
            ignoreGlobalControl: !!rule.capExempt && !!rule.ignoreGlobalControl,
          })
        : await Promise.all([
            this.count(rule, at),
            this.sample(rule, at, PREVIEW_SAMPLE_SIZE),
          ]).then(([count, sample]) => ({
            count,
            sample,
            excluded: noExclusions(),
            control: { holdout: 0, global: 0 },
          }));
    if (!rule.id) result.control.holdout = null;
    const tookMs = Number((process.hrtime.bigint() - started) / 1_000_000n);
    return { ...result, window, steps, tookMs };
  }

  private async reach(
    rule: PreviewRule,
    at: Date,
    senders: RunSenders,
    design: ExperimentDesign,
  ): Promise<Omit<AudiencePreview, 'window' | 'steps' | 'tookMs'>> {
    const policy = this.config.CONTACT_POLICY_ENABLED ? await this.policy.current() : null;
    const rulePolicy: RulePolicy = {
      pushId: rule.id ?? 0,
      cooldownDays: rule.id ? (rule.cooldownDays ?? RULE_POLICY_LIMITS.cooldownDays.default) : 0,
      capExempt: rule.capExempt ?? false,
    };
    const snapshot = this.db.createQueryRunner();
    await snapshot.connect();
    let count = 0;
    let excluded = noExclusions();
    const control = { holdout: 0, global: 0 };
    const sample: string[] = [];
    try {
      await snapshot.query('START TRANSACTION WITH CONSISTENT SNAPSHOT');
      for await (const page of this.pages(rule, at, null, this.batchSize, snapshot)) {
        // As the run does: customers without a store guide go before the policy's check.
        let ids = page.externalUserids;
        if (skipsWithoutOwner(senders)) {
          const sent = assignSenders(ids, await readOwners(snapshot, ids), senders);
          ids = sent.kept;
          excluded = addExclusions(excluded, { noOwner: sent.skipped });
        }
        const verdict = policy
          ? await this.ledger.check(snapshot, ids, policy, rulePolicy, at)
          : { allowed: ids, excluded: noExclusions() };
        const split = splitControls(verdict.allowed, design);
        for (const c of split.control) control[c.group]++;
        const held = new Set(split.control.map((c) => c.e));
        const treated = verdict.allowed.filter((e) => !held.has(e)); // in the audience's order
        count += treated.length;
        excluded = addExclusions(excluded, verdict.excluded);
        if (sample.length < PREVIEW_SAMPLE_SIZE)
          sample.push(...treated.slice(0, PREVIEW_SAMPLE_SIZE - sample.length));
      }
    } finally {
      await snapshot.query('COMMIT').catch(() => undefined);
      await snapshot.release();
    }
    return { count, excluded, control, sample };
  }

  /** The plan the audience statements of this rule use now (bench:audience shows their EXPLAIN). */
  queryPlan(rule: AudienceRule, at: Date): Promise<AudiencePlan> {
    return this.plan(rule, at);
  }

  private plan(rule: AudienceRule, at: Date, runner: SqlRunner = this.db): Promise<AudiencePlan> {
    return this.planOf(audienceCriteria(rule, at), runner);
  }

  private async planOf(
    criteria: AudienceCriteria,
    runner: SqlRunner = this.db,
  ): Promise<AudiencePlan> {
    const resolve = async (which: 'labels' | 'exclude') =>
      this.run<{ id: string; type: number | string }>(labelIdsQuery(criteria, which), runner);
    const labels = labelPlan(
      criteria,
      criteria.hasLabels ? await resolve('labels') : [],
      criteria.hasExclusions ? await resolve('exclude') : [],
    );
    if (criteria.basis === 'labelledGoods') {
      if (!labels.empty && labels.goods.length > 1) {
        const goods = await this.byRows(criteria, labels.goods, runner);
        labels.groups = [...goods.groups, ...labels.groups.slice(labels.goods.length)];
        labels.goods = goods.groups;
      }
      return { criteria, labels, strategy: 'goods' };
    }
    if (!labels.groups.length) return { criteria, labels, strategy: 'window' };
    if (labels.empty) return { criteria, labels, strategy: 'labels' };
    // Both strategies give the same rows in the same order, so pages of one selection may
    // be read with different ones.
    const { groups, fewest } = await this.byRows(criteria, labels.groups, runner);
    labels.groups = groups;
    return {
      criteria,
      labels,
      strategy: fewest <= this.labelDrivenMaxRows ? 'labels' : 'probe',
    };
  }

  /**
   * The groups with the one of fewest customer_label_orders rows in the window first (it
   * drives the label plans), each as the optimizer estimates its range — index dives at the
   * range's ends (records_in_range), about a millisecond, where counting the rows up to the
   * cap read up to 1,500,000 index entries before every selection and count (issue 21). The
   * estimate may be off by a small factor (0–60 days × 7 labels: 404,227 estimated, 188,948
   * read), which only moves the bound between two plans that give the same rows.
   */
  private async byRows(criteria: AudienceCriteria, groups: string[][], runner: SqlRunner) {
    const counted: { group: string[]; n: number }[] = [];
    for (const group of groups) {
      const plan = await this.run<{ rows: string | number | null }>(
        labelRowsEstimateQuery(criteria, group),
        runner,
      );
      counted.push({ group, n: Number(plan[0]?.rows ?? 0) });
    }
    const sorted = groups.length > 1 ? [...counted].sort((a, b) => a.n - b.n) : counted;
    return { groups: sorted.map((g) => g.group), fewest: sorted[0].n };
  }

  private run<T>(q: SqlStatement, runner: SqlRunner = this.db): Promise<T[]> {
    return runner.query(q.sql, q.params) as Promise<T[]>;
  }
}
