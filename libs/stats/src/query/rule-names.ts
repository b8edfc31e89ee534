import { DataSource } from 'typeorm';

/**
 * A rule's name: its current `wechat_push.name` (also when deleted), else the name of its
 * latest run. Rules that neither table knows are absent — a statistics call naming one is a 404.
 */
export async function ruleNames(db: DataSource, pushIds: number[]): Promise<Map<number, string>> {
  const names = new Map<number, string>();
  if (pushIds.length === 0) return names;
  const rules: { id: number; name: string }[] = await db.query(
    'SELECT id, name FROM wechat_push WHERE id IN (?)',
    [pushIds],
  );
  for (const r of rules) names.set(r.id, r.name);
  const unknown = pushIds.filter((id) => !names.has(id));
  if (unknown.length) {
    const runs: { push_id: number; rule_name: string }[] = await db.query(
      `SELECT r.push_id, r.rule_name FROM wechat_push_runs r
        WHERE r.push_id IN (?) ORDER BY r.slot_at DESC, r.id DESC`,
      [unknown],
    );
    for (const r of runs) if (!names.has(r.push_id)) names.set(r.push_id, r.rule_name);
  }
  return names;
}
