/** Recipients of one variant split by sender, in their order (null: WeCom assigns). */
export function groupBySender(
  recipients: readonly string[],
  senderOf: (e: string) => string | null,
): Map<string | null, string[]> {
  const groups = new Map<string | null, string[]>();
  for (const e of recipients) {
    const s = senderOf(e);
    const list = groups.get(s);
    if (list) list.push(e);
    else groups.set(s, [e]);
  }
  return groups;
}

/** A batch of the run still being filled (state `filling`). */
export interface FillingBatch {
  id: number;
  sender: string | null;
  variant: number;
  recipientCount: number;
}

type FillStep =
  | { kind: 'append'; batchId: number; recipients: string[]; full: boolean }
  | { kind: 'insert'; sender: string | null; variant: number; recipients: string[]; full: boolean };

/**
 * How a page's recipients of one (variant, sender) join the run's batches: the open
 * (`filling`) batch of that sender and variant takes them up to `size`, the rest start new
 * batches of at most `size`. A batch that reaches `size` is `full` (sent at once); the others
 * wait for more of the sender's customers in later pages, or for the selection's end. So a
 * member gets one task per `size` of their customers, however the audience's order scatters
 * them over pages. An append updates `open` in place (a batch it fills leaves it); the caller
 * adds a batch it inserts that is not full.
 */
export function planFill(
  open: FillingBatch[],
  group: { variant: number; sender: string | null; recipients: readonly string[] },
  size: number,
): FillStep[] {
  const steps: FillStep[] = [];
  let rest = group.recipients;
  const current = open.find(
    (b) => b.sender === group.sender && b.variant === group.variant && b.recipientCount < size,
  );
  if (current && rest.length > 0) {
    const take = rest.slice(0, size - current.recipientCount);
    rest = rest.slice(take.length);
    current.recipientCount += take.length;
    const full = current.recipientCount >= size;
    steps.push({ kind: 'append', batchId: current.id, recipients: take, full });
    if (full) open.splice(open.indexOf(current), 1);
  }
  while (rest.length > 0) {
    const take = rest.slice(0, size);
    rest = rest.slice(take.length);
    const full = take.length >= size;
    steps.push({
      kind: 'insert',
      sender: group.sender,
      variant: group.variant,
      recipients: take,
      full,
    });
  }
  return steps;
}
