import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { addDays, formatDateTime, startOfDay } from '@app/common';
import { RFM_HIGH_SCORE, RFM_LOOKBACK_DAYS, RFM_TIER_DEFS } from '@app/contracts';
import { COUNTED_ORDER, NET_AMOUNT } from './audience-query';

export interface RfmComputation {
  /** Shanghai wall time the scores are as of. */
  computedAt: string;
  /** Customers scored (those with a counted order in the lookback). */
  customers: number;
  /** Customers per tier code. */
  tiers: Record<string, number>;
}

/** 1–5 by quintile of the percent rank; equal values share the score of their lowest rank. */
const score = (column: string) =>
  `LEAST(5, 1 + FLOOR(5 * PERCENT_RANK() OVER (ORDER BY ${column})))`;

const hi = (s: string) => `IF(${s} >= ${RFM_HIGH_SCORE}, '1', '0')`;

/** The tier code of three scores, from RFM_TIER_DEFS (one definition). */
const TIER_CASE = `CASE CONCAT(${hi('s.r')}, ${hi('s.f')}, ${hi('s.m')})
${RFM_TIER_DEFS.map((t) => `      WHEN '${+t.r}${+t.f}${+t.m}' THEN '${t.code}'`).join('\n')}
    END`;

/**
 * RFM tiers (docs/AUDIENCE.md "Value tiers"): per customer with a counted order (not closed,
 * not refunded in full, net amount above 0 or unknown) in the last RFM_LOOKBACK_DAYS days:
 * recency = their last such order, frequency = how many, monetary = the sum of payment less
 * refunds; each scored 1–5 by quintile over those customers, and the tier from the three
 * scores. Written to `customer_rfm`, which rules read by customer id.
 */
@Injectable()
export class RfmService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Recomputes every customer's scores as of `at`, in one READ COMMITTED transaction: its
   * `INSERT … SELECT` then reads the orders without locking them (at REPEATABLE READ it would
   * hold shared locks on every order it reads until commit, blocking order writes), and
   * readers see the previous scores until the new ones are all in. Customers without a counted
   * order in the lookback any more lose their row.
   */
  async compute(at: Date): Promise<RfmComputation> {
    const computedAt = formatDateTime(at);
    const from = formatDateTime(startOfDay(addDays(at, -RFM_LOOKBACK_DAYS)));
    const runner = this.db.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction('READ COMMITTED');
      await runner.query(
        `INSERT INTO customer_rfm
           (customer_id, last_order_at, frequency, monetary, r_score, f_score, m_score, tier, computed_at)
         SELECT s.customer_id, s.last_at, s.freq, s.money, s.r, s.f, s.m, ${TIER_CASE}, ?
           FROM (SELECT a.customer_id, a.last_at, a.freq, a.money,
                        ${score('a.last_at')} AS r, ${score('a.freq')} AS f, ${score('a.money')} AS m
                   FROM (SELECT ob.customer_id, MAX(ob.order_creation_time) AS last_at,
                                COUNT(*) AS freq, IFNULL(SUM(${NET_AMOUNT('o')}), 0) AS money
                           FROM order_buyers ob JOIN youzan_orders o ON o.id = ob.order_id
                          WHERE ob.order_creation_time BETWEEN ? AND ?
                            AND ${COUNTED_ORDER('o')}
                          GROUP BY ob.customer_id) a) s
         ON DUPLICATE KEY UPDATE last_order_at = VALUES(last_order_at),
           frequency = VALUES(frequency), monetary = VALUES(monetary), r_score = VALUES(r_score),
           f_score = VALUES(f_score), m_score = VALUES(m_score), tier = VALUES(tier),
           computed_at = VALUES(computed_at)`,
        [computedAt, from, computedAt],
      );
      await runner.query('DELETE FROM customer_rfm WHERE computed_at <> ?', [computedAt]);
      await runner.commitTransaction();
    } catch (e) {
      await runner.rollbackTransaction().catch(() => undefined);
      throw e;
    } finally {
      await runner.release();
    }
    const rows = (await this.db.query(
      'SELECT tier, COUNT(*) AS n FROM customer_rfm GROUP BY tier',
    )) as { tier: string; n: string | number }[];
    const tiers = Object.fromEntries(rows.map((r) => [r.tier, Number(r.n)]));
    return {
      computedAt,
      customers: Object.values(tiers).reduce((a, b) => a + b, 0),
      tiers,
    };
  }
}
