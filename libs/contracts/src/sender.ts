/**
 * Who sends a rule's messages (issue 22, docs/PIPELINE.md "Per-sender batches"): WeCom's own
 * choice (the member who last chatted with each customer) or each customer's own store guide,
 * and how long members have to send a task before it is cancelled.
 */

/** `wecom`: no sender, WeCom assigns; `owner`: each customer's `customers.owner_userid`. */
export const SENDER_MODES = ['wecom', 'owner'] as const;
export type SenderMode = (typeof SENDER_MODES)[number];

/** With `owner`, a customer without an owner is `skip`ped (counted) or sent as under `wecom`. */
export const SENDER_FALLBACKS = ['skip', 'wecom'] as const;
export type SenderFallback = (typeof SENDER_FALLBACKS)[number];

export const SENDER_DEFAULTS = {
  senderMode: 'wecom' as SenderMode,
  senderFallback: 'wecom' as SenderFallback,
  executionDeadlineHours: null as number | null,
};

/** Hours members have to send a task before it is cancelled; null (absent) = no deadline. */
export const DEADLINE_LIMITS = { min: 1, max: 168 } as const;

export const isSenderMode = (v: unknown): v is SenderMode =>
  (SENDER_MODES as readonly unknown[]).includes(v);
export const isSenderFallback = (v: unknown): v is SenderFallback =>
  (SENDER_FALLBACKS as readonly unknown[]).includes(v);
export const isDeadlineHours = (v: unknown): boolean =>
  v === null ||
  (typeof v === 'number' &&
    Number.isInteger(v) &&
    v >= DEADLINE_LIMITS.min &&
    v <= DEADLINE_LIMITS.max);
