import { Injectable } from '@nestjs/common';
import { AuditRequestContext, Clock } from '@app/common';
import { redactForAudit } from './redact';

interface SqlRunner {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/** The target type of a route when no service named one: its first path segment's subject. */
const TARGET_TYPES: Record<string, string> = {
  wechatpush: 'rule',
  users: 'account',
  apikeys: 'api_key',
  policy: 'contact_policy',
  suppression: 'suppression',
  import: 'import',
  auth: 'session',
  statistic: 'statistics',
  wecom: 'wecom',
};

function targetTypeOf(action: string): string | null {
  const segment = /^\w+ \/([^/]+)/.exec(action)?.[1];
  return segment === undefined ? null : (TARGET_TYPES[segment] ?? segment);
}

/** Fields of a body (or an answer) that name the target, with the kind of target each names. */
const ID_FIELDS: [string, string | undefined][] = [
  ['id', undefined],
  ['runId', 'run'],
  ['batchId', 'batch'],
  ['pushId', 'rule'],
];

/** The target the request names: as described, else the body's (or the answer's) id field. */
function targetOf(
  audit: AuditRequestContext,
  result: unknown,
): { type: string | null; id: string | null } {
  const type = audit.change.targetType ?? targetTypeOf(audit.action);
  if (audit.change.targetId !== undefined) return { type, id: String(audit.change.targetId) };
  for (const source of [audit.input(), result]) {
    if (!source || typeof source !== 'object') continue;
    for (const [field, kind] of ID_FIELDS) {
      const id = (source as Record<string, unknown>)[field];
      if (typeof id === 'number' || (typeof id === 'string' && id.length <= 64)) {
        return { type: audit.change.targetType ?? kind ?? type, id: String(id) };
      }
    }
  }
  return { type, id: null };
}

const isEmpty = (v: unknown) =>
  v === undefined || v === null || (typeof v === 'object' && Object.keys(v).length === 0);

/** What a request left, when no service said: its body, or for a body-less one the answer. */
const afterOf = (input: unknown, result: unknown) =>
  isEmpty(input) && !isEmpty(result) ? result : input;

const json = (value: unknown) =>
  value === undefined ? null : JSON.stringify(redactForAudit(value));

/** Writes a request's audit row (once: the caller checks and sets `written`). */
@Injectable()
export class AuditWriter {
  constructor(private readonly clock: Clock) {}

  /**
   * Inserts the row through `runner`: inside the change's transaction when it is that
   * transaction's query runner. `result` (the handler's answer) names a created target.
   */
  async write(runner: SqlRunner, audit: AuditRequestContext, result?: unknown): Promise<void> {
    audit.written = true;
    const { actor, change } = audit;
    const target = targetOf(audit, result);
    // The name as it is now: an account's user name, an API key's name and prefix.
    const name =
      actor.type === 'account'
        ? { sql: '(SELECT username FROM accounts WHERE id = ?)', param: actor.id }
        : actor.type === 'api_key'
          ? {
              sql: "(SELECT CONCAT(name, ' (', prefix, '…)') FROM api_keys WHERE id = ?)",
              param: actor.keyId ?? null,
            }
          : { sql: '?', param: actor.name?.slice(0, 160) ?? null };
    try {
      await runner.query(
        `INSERT INTO audit_log (at, actor_type, actor_id, actor_name, role, client_ip, request_id,
           action, target_type, target_id, before_json, after_json, outcome)
         VALUES (?, ?, ?, ${name.sql}, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          this.clock.now(),
          actor.type,
          actor.id,
          name.param,
          actor.role,
          audit.clientIp?.slice(0, 64) ?? null,
          audit.requestId?.slice(0, 128) ?? null,
          audit.action.slice(0, 160),
          target.type,
          target.id,
          json(change.before),
          json(change.after ?? afterOf(audit.input(), result)),
          audit.outcome,
        ],
      );
    } catch (e) {
      audit.written = false;
      throw e;
    }
  }
}
