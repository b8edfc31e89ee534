import { createHash } from 'node:crypto';
import type { CallbackFields } from '@app/wecom';

/** A decrypted callback, ready to be stored once. */
export interface ReceivedEvent {
  /** SHA-256 (hex) of every field: WeCom's retry of the same event has the same key. */
  dedupeKey: string;
  event: string;
  changeType: string;
  /** CreateTime. */
  eventTime: Date;
  payload: CallbackFields;
}

/** Why a decrypted message is not an event we can store; names the field. */
export class UnreadableEventError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** JSON with keys sorted at every level: the same fields always give the same text. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const text = (fields: CallbackFields, name: string): string | undefined => {
  const v = fields[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
};

/**
 * The stored form of a decrypted message. It must say what it is (`MsgType`, and `Event`
 * for an event) and when (`CreateTime`, Unix seconds); everything else is kept as sent.
 * The dedupe key covers every field, so two events that differ in anything (another tag,
 * another member, another second) are two rows, and a retry is one.
 */
export function readEvent(fields: CallbackFields): ReceivedEvent {
  const msgType = text(fields, 'MsgType');
  if (msgType === undefined) throw new UnreadableEventError('MsgType', 'missing');
  const created = text(fields, 'CreateTime');
  if (created === undefined || !/^\d{1,12}$/.test(created)) {
    throw new UnreadableEventError('CreateTime', 'must be Unix seconds');
  }
  const event = msgType === 'event' ? text(fields, 'Event') : `msgtype:${msgType}`;
  if (event === undefined) throw new UnreadableEventError('Event', 'missing in an event');
  if (event.length > 64) throw new UnreadableEventError('Event', 'longer than 64 characters');
  const changeType = text(fields, 'ChangeType') ?? '';
  if (changeType.length > 64) {
    throw new UnreadableEventError('ChangeType', 'longer than 64 characters');
  }
  return {
    dedupeKey: createHash('sha256').update(canonical(fields)).digest('hex'),
    event,
    changeType,
    eventTime: new Date(Number(created) * 1000),
    payload: fields,
  };
}

/** What processing recognised: a kind, or why the event cannot be used (recorded, not retried). */
type EventVerdict = { kind: string; problem?: undefined } | { kind: null; problem: string };

/** The fields each change of an external contact must carry (WeCom's 客户变更 events). */
const CONTACT_CHANGES: Record<string, readonly string[]> = {
  add_external_contact: ['UserID', 'ExternalUserID'],
  edit_external_contact: ['UserID', 'ExternalUserID'],
  add_half_external_contact: ['UserID', 'ExternalUserID'],
  del_external_contact: ['UserID', 'ExternalUserID'],
  del_follow_user: ['UserID', 'ExternalUserID'],
  transfer_fail: ['UserID', 'ExternalUserID'],
};

/** 企业客户标签变更: create / update / delete name a tag or tag group; shuffle reorders a group. */
const TAG_CHANGES: Record<string, readonly string[]> = {
  create: ['Id', 'TagType'],
  update: ['Id', 'TagType'],
  delete: ['Id', 'TagType'],
  shuffle: [],
};

const RECOGNISED: Record<string, { prefix: string; changes: Record<string, readonly string[]> }> = {
  change_external_contact: { prefix: 'contact', changes: CONTACT_CHANGES },
  change_external_tag: { prefix: 'tag', changes: TAG_CHANGES },
};

/** Recognises a stored event: its kind (`contact.del_follow_user`, `tag.create`…) or the problem. */
export function judgeEvent(payload: CallbackFields): EventVerdict {
  const event = text(payload, 'Event') ?? '';
  const family = RECOGNISED[event];
  if (family === undefined) return { kind: null, problem: `unsupported event '${event}'` };
  const change = text(payload, 'ChangeType') ?? '';
  const required = Object.hasOwn(family.changes, change) ? family.changes[change] : undefined;
  if (required === undefined) {
    return { kind: null, problem: `unsupported ChangeType '${change}' of ${event}` };
  }
  const missing = required.filter((f) => text(payload, f) === undefined);
  if (missing.length > 0) {
    return { kind: null, problem: `${event}/${change} without ${missing.join(', ')}` };
  }
  if (family.prefix === 'tag' && required.includes('TagType')) {
    const tagType = text(payload, 'TagType');
    if (tagType !== 'tag' && tagType !== 'tag_group') {
      return { kind: null, problem: `TagType must be tag or tag_group` };
    }
  }
  return { kind: `${family.prefix}.${change}` };
}
