import type { GroupMsgListItem, WecomAttachment } from '@app/wecom';

/** What a batch sent, as WeCom lists a task: its text and how many attachments. */
interface BatchMessage {
  content: string;
  attachments: WecomAttachment[];
}

/**
 * Whether a task of get_groupmsg_list_v2 could be this batch's: created by the corp (API
 * tasks have no creator), with the batch's text and number of attachments. Batches of one
 * run share their content, so this only narrows the candidates; the recipients decide.
 */
export function sameContent(task: GroupMsgListItem, message: BatchMessage): boolean {
  if (task.creator) return false;
  if ((task.text?.content ?? '') !== message.content) return false;
  return (task.attachments?.length ?? 0) === message.attachments.length;
}

type RecipientVerdict =
  { match: true; failList: string[] } | { match: false; reason: 'empty' | 'foreign' };

/**
 * A task is the batch's when it has recipients and every one of them is the batch's: each
 * customer is in at most one batch of a run, and a task holds exactly the recipients WeCom
 * accepted (the batch's minus its fail_list), so another batch's task — even of the same
 * run, with the same content — always holds someone this one does not. The recipients the
 * task lacks are the batch's fail_list.
 */
export function matchRecipients(
  batch: readonly string[],
  task: Iterable<string>,
): RecipientVerdict {
  const mine = new Set(batch);
  const found = new Set<string>();
  for (const id of task) {
    if (!mine.has(id)) return { match: false, reason: 'foreign' };
    found.add(id);
  }
  if (found.size === 0) return { match: false, reason: 'empty' };
  return { match: true, failList: batch.filter((id) => !found.has(id)) };
}
