import { AsyncLocalStorage } from 'node:async_hooks';

/** Who made a change: the kinds of credential (docs/SECURITY.md "Audit log"). */
export type AuditActorType = 'account' | 'api_key' | 'token' | 'anonymous';

export interface AuditActor {
  type: AuditActorType;
  /** Account id; an API key's creator; an ADMIN_TOKENS operator id; null when anonymous. */
  id: number | null;
  /** An API key's id (actor_name then names the key). */
  keyId?: number;
  /** For a failed sign-in: the user name that was tried. */
  name?: string;
  role: string | null;
}

/** What a service knows about its change better than the request body does. */
export interface AuditChange {
  targetType?: string;
  targetId?: string | number;
  before?: unknown;
  after?: unknown;
}

/**
 * The audit row a mutating request will leave, carried through the request's async calls.
 * libs/audit creates it and writes it; every lib may add to it with `describeAuditChange`
 * without depending on libs/audit.
 */
export interface AuditRequestContext {
  action: string;
  actor: AuditActor;
  clientIp: string | null;
  requestId: string | null;
  /**
   * The request body (or an export's query), secrets redacted: `after` unless described.
   * Read when the row is written: an upload's body is parsed after the interceptors ran.
   */
  input: () => unknown;
  change: AuditChange;
  outcome: 'ok' | 'failed';
  /** Set once the row is in: by the request's first transaction, or after the handler. */
  written: boolean;
}

export const auditRequestContext = new AsyncLocalStorage<AuditRequestContext>();

/**
 * Adds the target and the before/after states to the current request's audit row. Call it
 * before the change's transaction commits (the row is written with that commit); outside a
 * request (the worker, the CLI) it does nothing.
 */
export function describeAuditChange(change: AuditChange): void {
  const context = auditRequestContext.getStore();
  if (!context) return;
  for (const [k, v] of Object.entries(change) as [keyof AuditChange, unknown][]) {
    if (v !== undefined) (context.change as Record<string, unknown>)[k] = v;
  }
}

/**
 * Names who acted when the credential did not (a sign-in), and for a refused sign-in marks the
 * row 'failed': it is then written although the request fails.
 */
export function describeAuditActor(actor: AuditActor, outcome: 'ok' | 'failed' = 'ok'): void {
  const context = auditRequestContext.getStore();
  if (!context) return;
  context.actor = actor;
  context.outcome = outcome;
}
