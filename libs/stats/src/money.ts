/**
 * Revenue is exact: DECIMAL(12,2) yuan in MySQL, summed there as DECIMAL; in Node it is
 * either passed through as MySQL's decimal text or added up as integer fen (the goods tally),
 * never as floating yuan. The API serialises it as a string with 2 decimals ("1234.50").
 */

/** A DECIMAL aggregate (text; NULL when no row or only unknown amounts) → "1234.50". */
export function yuan(v: unknown): string {
  if (v === null || v === undefined) return '0.00';
  const s = String(v);
  const m = /^(-?\d+)(?:\.(\d*))?$/.exec(s);
  if (!m) throw new Error(`not a decimal amount: ${s}`);
  return `${m[1]}.${(m[2] ?? '').padEnd(2, '0').slice(0, 2)}`;
}

/** Decimal yuan text with at most 2 decimals ("0.1", "12.30") → integer fen; NULL → 0. */
export function fenOf(v: string | null): number {
  if (v === null) return 0;
  const [whole, frac = ''] = yuan(v).split('.');
  const sign = whole.startsWith('-') ? -1 : 1;
  return sign * (Math.abs(Number(whole)) * 100 + Number(frac));
}

/** Integer fen → "1234.50". */
export function fenToYuan(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/**
 * Exact sum of decimal texts of any scale ("12.3456", "-0.5"): BigInt in units of the largest
 * scale, then the text back with that scale (at least 2 decimals).
 */
export function decimalSum(values: readonly string[]): string {
  const parsed = values.map((v) => {
    const m = /^(-?)(\d+)(?:\.(\d*))?$/.exec(v);
    if (!m) throw new Error(`not a decimal amount: ${v}`);
    return { negative: m[1] === '-', whole: m[2], fraction: m[3] ?? '' };
  });
  const scale = Math.max(2, ...parsed.map((p) => p.fraction.length));
  let total = 0n;
  for (const p of parsed) {
    const units = BigInt(p.whole + p.fraction.padEnd(scale, '0'));
    total += p.negative ? -units : units;
  }
  const negative = total < 0n;
  const digits = (negative ? -total : total).toString().padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}
