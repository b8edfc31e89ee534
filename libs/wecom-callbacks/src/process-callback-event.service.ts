import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '@app/common';
import { ContactIdentityService } from '@app/identity';
import type { CallbackFields } from '@app/wecom';
import { judgeEvent } from './callback-event';
import { followFactOf } from './contacts/contact-changes';
import { ContactSyncService } from './contacts/contact-sync.service';
import { FollowStore } from './contacts/follow-store';

export type ProcessOutcome = 'processed' | 'rejected' | 'already-processed' | 'missing';

/**
 * Processing of one stored event: recognise it (kind) or record why it cannot be used, apply
 * it to the follow relations, tags and reachability (docs/WECOM.md "Processing"), and mark it
 * processed — in one transaction, once, whoever runs it, so WeCom's retries and job retries
 * change nothing. A contact change applies only if newer than what is stored (order-tolerant).
 */
@Injectable()
export class ProcessCallbackEventService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly clock: Clock,
    private readonly store: FollowStore,
    private readonly identity: ContactIdentityService,
    private readonly sync: ContactSyncService,
  ) {}

  async process(eventId: number): Promise<ProcessOutcome> {
    const [peek] = (await this.db.query(
      'SELECT payload, processed_at, received_at FROM wecom_callback_events WHERE id = ?',
      [eventId],
    )) as { payload: string | CallbackFields; processed_at: Date | null; received_at: Date }[];
    if (peek === undefined) return 'missing';
    if (peek.processed_at !== null) return 'already-processed';
    const verdict = judgeEvent(parse(peek.payload));
    // WeCom names only the tag that changed: the library is read again (outside the
    // transaction) — unless it was read after this event arrived, so a burst reads it a few times.
    if (verdict.kind?.startsWith('tag.') && verdict.kind !== 'tag.delete') {
      await this.sync.refreshTagLibrary(peek.received_at);
    }
    // READ COMMITTED, like the contact sync's pages: what the identity link and the follow
    // store read is the latest committed state once the contact's identity row is locked.
    return this.db.transaction('READ COMMITTED', async (tx) => {
      const [row] = (await tx.query(
        'SELECT payload, event_time, processed_at FROM wecom_callback_events WHERE id = ? FOR UPDATE',
        [eventId],
      )) as { payload: string | CallbackFields; event_time: Date; processed_at: Date | null }[];
      if (row.processed_at !== null) return 'already-processed';
      const payload = parse(row.payload);
      if (verdict.kind !== null) await this.apply(tx, verdict.kind, payload, row.event_time);
      await tx.query(
        'UPDATE wecom_callback_events SET processed_at = ?, kind = ?, error = ? WHERE id = ?',
        [this.clock.now(), verdict.kind, verdict.problem ?? null, eventId],
      );
      return verdict.kind === null ? 'rejected' : 'processed';
    });
  }

  private async apply(
    tx: { query(sql: string, params?: unknown[]): Promise<unknown> },
    kind: string,
    payload: CallbackFields,
    at: Date,
  ): Promise<void> {
    const fact = followFactOf(kind, payload, at);
    if (fact) {
      if (fact.active) {
        // The contact's identity row first, as a sync page takes it: a page linking the same
        // new contact side by side is waited for and its customer found, not made twice.
        await this.identity.lockContacts([fact.externalUserId], tx);
        await this.identity.link([{ externalUserId: fact.externalUserId }], tx);
      }
      await this.store.apply(tx, [fact]);
      return;
    }
    if (kind === 'tag.delete') {
      const id = String(payload.Id);
      const column = payload.TagType === 'tag_group' ? 'group_id' : 'tag_id';
      const tags = (await tx.query(`SELECT tag_id FROM wecom_corp_tags WHERE ${column} = ?`, [
        id,
      ])) as { tag_id: string }[];
      const ids = [id, ...tags.map((t) => t.tag_id)];
      await tx.query(
        `UPDATE wecom_corp_tags SET deleted_at = ? WHERE tag_id IN (?) AND deleted_at IS NULL`,
        [at, ids],
      );
      await tx.query('DELETE FROM wecom_contact_tags WHERE tag_id IN (?)', [ids]);
    }
  }
}

function parse(payload: string | CallbackFields): CallbackFields {
  return typeof payload === 'string' ? (JSON.parse(payload) as CallbackFields) : payload;
}
