import { Inject, Injectable, Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { APP_CONFIG, AppConfig, REDIS_CLIENT, redisKey } from '@app/common';
import { WechatPushResultJson } from '@app/push-config';

/** WeCom's accepted answer to one attempt of a batch, kept until MySQL has it. */
export interface JournaledAnswer {
  batchId: number;
  /** The batch's `resends` when the attempt began: the fence an operator's resend moves. */
  resends: number;
  result: WechatPushResultJson;
  /** When the answer arrived (ISO). */
  at: string;
}

/**
 * The answer journal (issue 18): WeCom's accepted answer (msgid, fail_list) is written here
 * before the batch row is updated, and taken out once MySQL holds it. When MySQL fails at
 * that moment the job's next attempt — or any worker's minutely reconcile — finds the batch
 * still `sending` (or `unknown`) and records the journaled answer instead of losing the msgid.
 *
 * One Redis hash, field = batch id, shared by every replica (the retried job may run on
 * another worker). Redis may itself be lost: then the batch stays `unknown` and the automatic
 * resolution (`ResolveUnknownService`) finds its task in WeCom's list. Writing is best
 * effort — a Redis failure here must not stop the MySQL write that follows.
 */
@Injectable()
export class AnswerJournal {
  private readonly logger = new Logger(AnswerJournal.name);
  private readonly key: string;
  private readonly uncalledKey: string;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
  ) {
    this.key = redisKey(config, 'answer-journal');
    this.uncalledKey = redisKey(config, 'uncalled-claims');
  }

  async record(entry: JournaledAnswer): Promise<boolean> {
    try {
      await this.redis.hset(this.key, String(entry.batchId), JSON.stringify(entry));
      return true;
    } catch (e) {
      this.logger.warn({
        msg: 'answer not journaled',
        batchId: entry.batchId,
        msgid: entry.result.add.msgid,
        err: String(e),
      });
      return false;
    }
  }

  /** The journaled answer of this batch's attempt fenced by `resends`, if any. */
  async find(batchId: number, resends: number): Promise<JournaledAnswer | undefined> {
    const raw = await this.redis.hget(this.key, String(batchId));
    if (!raw) return undefined;
    const entry = JSON.parse(raw) as JournaledAnswer;
    return entry.resends === resends ? entry : undefined;
  }

  async all(): Promise<JournaledAnswer[]> {
    const rows = await this.redis.hvals(this.key);
    return rows.map((raw) => JSON.parse(raw) as JournaledAnswer);
  }

  /** MySQL holds the answer (or the batch moved on): best effort, a leftover is harmless. */
  async clear(batchId: number): Promise<void> {
    await this.redis.hdel(this.key, String(batchId)).catch(() => undefined);
  }

  /**
   * "The attempt of claim `token` stopped before its WeCom call": written when anything fails
   * between the claim and the call (typically the claim's own UPDATE, committed by MySQL but
   * its answer lost with the connection). The next attempt, finding the batch `sending` under
   * this token, sends it again instead of recording it `unknown`. Its absence proves nothing —
   * Redis may have lost it — so the batch then stays on the safe side (`unknown`).
   */
  async recordUncalled(batchId: number, token: string): Promise<void> {
    await this.redis
      .hset(this.uncalledKey, String(batchId), token)
      .catch((e: unknown) =>
        this.logger.warn({ msg: 'uncalled claim not journaled', batchId, err: String(e) }),
      );
  }

  /** True when `token`, the batch's latest claim, is journaled as never having called. */
  async isUncalled(batchId: number, token: string | null): Promise<boolean> {
    if (!token) return false;
    return (await this.redis.hget(this.uncalledKey, String(batchId))) === token;
  }

  async clearUncalled(batchId: number): Promise<void> {
    await this.redis.hdel(this.uncalledKey, String(batchId)).catch(() => undefined);
  }
}
