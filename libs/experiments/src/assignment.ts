import { createHash } from 'node:crypto';

/**
 * Deterministic experiment assignment (docs/STATISTICS.md "Experiments — methods").
 *
 * Every draw hashes one UTF-8 string `<stream>:<key>:<externalUserId>` with SHA-256 and reads
 * the first 13 hex digits (52 bits) as an integer `h`, so the same customer lands in the same
 * group on every run, in every process and in MariaDB (`SHA2(…, 256)`, the `…Sql` builders
 * below); `h mod m` picks a bucket. SHA-256 rather than a fast non-cryptographic hash: it is
 * the one hash both node:crypto and MariaDB have built in whose output bits are independent of
 * each other for inputs that differ in a prefix (CRC32, also in both, is linear: two salts'
 * draws of one id differ by a constant XOR, so two rules' groups would be correlated).
 * 52 bits fit a double exactly, so JavaScript and SQL compute the same integer; the modulo bias
 * (at most m / 2^52) is far below anything a test or a report can see.
 *
 * The streams keep the draws independent: a customer's holdout draw for rule 7 says nothing
 * about its holdout draw for rule 8, its variant for rule 7, or the global control group.
 */

/**
 * A rule's holdout: `control` customers pass selection and policy but are not sent.
 * @public The group a run records for each customer (issue 17).
 */
export type HoldoutGroup = 'control' | 'treated';

/** Shares are given in percent with at most two decimals: a draw picks one of 10,000 buckets. */
const BASIS_POINTS = 10_000;
/** The most variant weights a rule may total (weights are whole numbers). */
const MAX_TOTAL_WEIGHT = 1_000_000;
/** 13 hex digits = 52 bits: an integer a double holds exactly. */
const HEX_DIGITS = 13;
const SALT = /^[A-Za-z0-9_-]{1,64}$/;

enum Stream {
  Holdout = 'holdout',
  Variant = 'variant',
  Global = 'global',
}

function draw(stream: Stream, key: string, externalUserId: string): number {
  const digest = createHash('sha256').update(`${stream}:${key}:${externalUserId}`, 'utf8');
  return parseInt(digest.digest('hex').slice(0, HEX_DIGITS), 16);
}

/**
 * The same draw in SQL over `idColumn` (a column or expression the caller writes, never user
 * input); `stream` and `key` are validated here, so they are inlined as literals. MariaDB's
 * CONCAT of this ASCII literal and a utf8mb4 column hashes the id's UTF-8 bytes, as Node does.
 */
function drawSql(stream: Stream, key: string, idColumn: string): string {
  return `CAST(CONV(LEFT(SHA2(CONCAT('${stream}:${key}:', ${idColumn}), 256), ${HEX_DIGITS}), 16, 10) AS UNSIGNED)`;
}

function ruleKey(ruleId: number): string {
  if (!Number.isSafeInteger(ruleId) || ruleId < 1)
    throw new RangeError(`ruleId must be a positive integer, got ${ruleId}`);
  return String(ruleId);
}

/** A share in percent (0–100, at most two decimals) as whole basis points. */
function basisPoints(percent: number, name: string): number {
  const bp = Math.round(percent * 100);
  if (
    !Number.isFinite(percent) ||
    percent < 0 ||
    percent > 100 ||
    Math.abs(bp - percent * 100) > 1e-6
  )
    throw new RangeError(
      `${name} must be a percentage 0–100 with at most two decimals, got ${percent}`,
    );
  return bp;
}

function saltKey(salt: string): string {
  if (!SALT.test(salt))
    throw new RangeError(`salt must match ${SALT}, got ${JSON.stringify(salt)}`);
  return salt;
}

/** The cumulative bounds of `weights` (whole numbers ≥ 0, total 1…{@link MAX_TOTAL_WEIGHT}). */
function cumulative(weights: readonly number[]): number[] {
  if (weights.length === 0) throw new RangeError('weights must not be empty');
  let total = 0;
  const bounds = weights.map((w) => {
    if (!Number.isSafeInteger(w) || w < 0)
      throw new RangeError(`weights must be whole numbers ≥ 0, got ${w}`);
    return (total += w);
  });
  if (total < 1 || total > MAX_TOTAL_WEIGHT)
    throw new RangeError(`weights must total 1…${MAX_TOTAL_WEIGHT}, got ${total}`);
  return bounds;
}

/** Whether the customer is in rule `ruleId`'s holdout of `holdoutPercent` % (0 → nobody). */
export function holdoutGroup(
  externalUserId: string,
  ruleId: number,
  holdoutPercent: number,
): HoldoutGroup {
  const bp = basisPoints(holdoutPercent, 'holdoutPercent');
  return draw(Stream.Holdout, ruleKey(ruleId), externalUserId) % BASIS_POINTS < bp
    ? 'control'
    : 'treated';
}

/** {@link holdoutGroup} as a SQL expression: `'control'` or `'treated'` for `idColumn`. */
export function holdoutGroupSql(idColumn: string, ruleId: number, holdoutPercent: number): string {
  const bp = basisPoints(holdoutPercent, 'holdoutPercent');
  return `IF(${drawSql(Stream.Holdout, ruleKey(ruleId), idColumn)} % ${BASIS_POINTS} < ${bp}, 'control', 'treated')`;
}

/**
 * Whether the customer is in the global control group (`percent` % of all customers, the same
 * for every rule). `salt` names the group's generation: a new salt draws a new group.
 */
export function globalControl(externalUserId: string, percent: number, salt: string): boolean {
  const bp = basisPoints(percent, 'percent');
  return draw(Stream.Global, saltKey(salt), externalUserId) % BASIS_POINTS < bp;
}

/** {@link globalControl} as a SQL expression: 1 in the global control group, else 0. */
export function globalControlSql(idColumn: string, percent: number, salt: string): string {
  const bp = basisPoints(percent, 'percent');
  return `(${drawSql(Stream.Global, saltKey(salt), idColumn)} % ${BASIS_POINTS} < ${bp})`;
}

/**
 * The index of the customer's content variant for rule `ruleId`, each chosen with probability
 * weight / total (a weight of 0 retires a variant). Changing the weights reshuffles customers.
 */
export function variantOf(
  externalUserId: string,
  ruleId: number,
  weights: readonly number[],
): number {
  const bounds = cumulative(weights);
  const pick = draw(Stream.Variant, ruleKey(ruleId), externalUserId) % bounds[bounds.length - 1];
  return bounds.findIndex((b) => pick < b);
}

/** {@link variantOf} as a SQL expression: the variant's index (0-based) for `idColumn`. */
export function variantOfSql(idColumn: string, ruleId: number, weights: readonly number[]): string {
  const bounds = cumulative(weights);
  const live = weights.flatMap((w, i) => (w > 0 ? [i] : []));
  if (live.length === 1) return String(live[0]);
  const pick = `${drawSql(Stream.Variant, ruleKey(ruleId), idColumn)} % ${bounds[bounds.length - 1]}`;
  // INTERVAL(p, b0, b1, …) counts the (strictly increasing) upper bounds b ≤ p: the live variant's rank.
  const upper = live.slice(0, -1).map((i) => bounds[i]);
  return `CAST(ELT(INTERVAL(${pick}, ${upper.join(', ')}) + 1, ${live.join(', ')}) AS UNSIGNED)`;
}
