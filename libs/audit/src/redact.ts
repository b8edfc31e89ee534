/** `password`, `newPassword`, `corpSecret`, `csrfToken`, `key`…: never `passwordChanged`. */
const SECRET_FIELD = /(^pass|password|secret|token|^key|apikey|api_key|authorization|cookie)$/i;
const MAX_STRING = 1_000;
const MAX_ITEMS = 100;
const MAX_DEPTH = 8;

/**
 * A request body as the audit log keeps it: secret fields replaced, long strings and lists
 * shortened (an uploaded file is recorded by its size, not its content).
 */
export function redactForAudit(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') {
    return value.length > MAX_STRING
      ? `${value.slice(0, MAX_STRING)}…(${value.length} characters)`
      : value;
  }
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '…';
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ITEMS).map((v) => redactForAudit(v, depth + 1));
    return value.length > MAX_ITEMS ? [...items, `…(${value.length} items)`] : items;
  }
  if (value instanceof Date) return value.toISOString();
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_FIELD.test(k) ? '[redacted]' : redactForAudit(v, depth + 1);
  }
  return out;
}
