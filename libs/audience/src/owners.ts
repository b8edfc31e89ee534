import type { SenderFallback, SenderMode } from '@app/contracts';
import type { SqlRunner } from '@app/database';

/**
 * The owners (`customers.owner_userid`, the store guide the WeCom contacts recorded) of a
 * page's customers, keyed by the id in lower case (the collation's equality). When several
 * customer rows share an external id, a named owner wins, then the lowest customer id.
 */
export async function readOwners(
  runner: SqlRunner,
  externalUserIds: readonly string[],
): Promise<Map<string, string>> {
  const owners = new Map<string, string>();
  if (externalUserIds.length === 0) return owners;
  const rows = (await runner.query(
    `SELECT external_userid AS e, owner_userid AS o FROM customers
      WHERE external_userid IN (?) AND owner_userid IS NOT NULL AND owner_userid <> ''
      ORDER BY owner_named DESC, id`,
    [externalUserIds],
  )) as { e: string; o: string }[];
  for (const r of rows) {
    const key = r.e.toLowerCase();
    if (!owners.has(key)) owners.set(key, r.o);
  }
  return owners;
}

/** A run's sender settings, as recorded when its selection began. */
export interface RunSenders {
  mode: SenderMode;
  fallback: SenderFallback;
}

/**
 * Who of a page may go on to the contact policy under the run's sender settings, and each
 * one's sender: under `wecom` everyone, with none (WeCom assigns); under `owner` each
 * customer's owner — a customer without one is skipped (`skip`, counted as `noOwner`) or goes
 * without a sender (`wecom`).
 */
export function assignSenders(
  ids: readonly string[],
  owners: ReadonlyMap<string, string> | null,
  senders: RunSenders,
): { kept: string[]; skipped: number; senderOf: (e: string) => string | null } {
  if (senders.mode !== 'owner' || !owners) {
    return { kept: [...ids], skipped: 0, senderOf: () => null };
  }
  const senderOf = (e: string) => owners.get(e.toLowerCase()) ?? null;
  if (senders.fallback === 'wecom') return { kept: [...ids], skipped: 0, senderOf };
  const kept = ids.filter((e) => senderOf(e) !== null);
  return { kept, skipped: ids.length - kept.length, senderOf };
}

/** Whether these settings leave customers without an owner out (counted as `noOwner`). */
export const skipsWithoutOwner = (senders: RunSenders): boolean =>
  senders.mode === 'owner' && senders.fallback === 'skip';
