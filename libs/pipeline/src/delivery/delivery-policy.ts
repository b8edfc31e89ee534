/** The timing settings of delivery tracking (from config, in their config units). */
export interface DeliveryTiming {
  pollIntervalMinutes: number;
  maxHours: number;
  remindAfterMinutes: number;
  remindMaxPerDay: number;
}

export interface PollFacts {
  sentAt: Date;
  now: Date;
  /** Accepted recipients without a final status (NULL or 0) after this poll. */
  openRecipients: number;
  /** Members whose task is still at "not sent" (get_groupmsg_task status 0). */
  pendingSenders: number;
  runCancelled: boolean;
  /**
   * The run's execution deadline passed and was applied (issue 22): the task was cancelled,
   * or every member had sent — either way no recipient's status changes any more.
   */
  taskCancelled?: boolean;
}

type PollDecision =
  | { state: 'final'; reason: string }
  | { state: 'expired'; reason: string }
  | { state: 'tracking'; nextInMs: number; remind: boolean };

/**
 * What happens after a poll (SPEC §6): every accepted recipient has a final status → done;
 * the run was cancelled, or the task at its execution deadline → done (members who had not
 * sent never will); past the tracking
 * window → expired; otherwise poll again after the interval (never past the window's end),
 * reminding members who have not sent once the send is REMIND_AFTER_MINUTES old. The
 * per-24-h limit and the gap between reminders are enforced in MySQL by the claim.
 */
export function decideAfterPoll(f: PollFacts, t: DeliveryTiming): PollDecision {
  if (f.openRecipients === 0)
    return { state: 'final', reason: 'every recipient has a final status' };
  if (f.runCancelled) return { state: 'final', reason: 'run cancelled' };
  if (f.taskCancelled) return { state: 'final', reason: 'execution deadline passed' };
  const age = f.now.getTime() - f.sentAt.getTime();
  const windowMs = t.maxHours * 3600_000;
  if (age >= windowMs) return { state: 'expired', reason: `not final after ${t.maxHours} h` };
  return {
    state: 'tracking',
    nextInMs: Math.min(t.pollIntervalMinutes * 60_000, windowMs - age),
    remind: t.remindMaxPerDay > 0 && f.pendingSenders > 0 && age >= t.remindAfterMinutes * 60_000,
  };
}
