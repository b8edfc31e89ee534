import { BadRequestException, Injectable } from '@nestjs/common';
import { randomBytes, randomInt } from 'node:crypto';
import { z } from 'zod';
import { toCallbackXml, WecomCallbackCrypto } from '@app/wecom';
import { SimulatorState } from './simulator-state.service';

/** The change callbacks the simulator can send, as WeCom names their change. */
const CALLBACK_KINDS = ['add_external_contact', 'del_follow_user', 'change_external_tag'] as const;
type CallbackKind = (typeof CALLBACK_KINDS)[number];

export const sendCallbacksSchema = z
  .object({
    /** Distinct events to send. */
    count: z.number().int().min(1).max(100_000).default(1),
    /** Kinds, used in turn. */
    kinds: z
      .array(z.enum(CALLBACK_KINDS))
      .min(1)
      .default([...CALLBACK_KINDS]),
    /** Extra deliveries of events already in the batch, re-encrypted under a new nonce (WeCom's retries). */
    duplicates: z.number().int().min(0).max(100_000).default(0),
    /** Send in random order instead of event order. */
    shuffle: z.boolean().default(false),
    /** Requests in flight at once. */
    concurrency: z.number().int().min(1).max(1000).default(50),
  })
  .strict();
type SendCallbacks = z.output<typeof sendCallbacksSchema>;

export interface SendReport {
  /** Requests made (count + duplicates). */
  sent: number;
  /** Answers by HTTP status, and how many said `success`. */
  statuses: Record<string, number>;
  success: number;
  /** The distinct events, in event order, with WeCom's field names. */
  events: Record<string, string | number>[];
}

/**
 * WeCom's side of the change callbacks: builds events of the simulated corp, encrypts and
 * signs them with the configured Token and EncodingAESKey (the protocol of libs/wecom, which
 * is tested against WeCom's own sample), and POSTs them to `callbackUrl` — with retries of
 * the same event and out of order when asked, as WeCom does.
 */
@Injectable()
export class CallbackSender {
  /** Makes every event of this simulator distinct (ids), across calls. */
  private sequence = 0;

  constructor(private readonly state: SimulatorState) {}

  async send(request: SendCallbacks): Promise<SendReport> {
    const { corpId, senders } = this.state.settings;
    this.target();
    const createTime = Math.floor(this.state.now() / 1000);
    const events = Array.from({ length: request.count }, (_, i) => {
      const n = ++this.sequence;
      return this.event(request.kinds[i % request.kinds.length], n, corpId, senders, createTime);
    });
    return this.deliver(events, request);
  }

  /**
   * Delivers the given events (WeCom's field names), each once plus `duplicates` retries of
   * some of them, in event order or shuffled; answers when every request was answered.
   */
  async deliver(
    events: Record<string, string | number>[],
    options: { duplicates: number; shuffle: boolean; concurrency: number },
  ): Promise<SendReport> {
    const { callbackUrl, callbackToken, callbackAesKey, corpId } = this.target();
    const crypto = new WecomCallbackCrypto(callbackToken, callbackAesKey, corpId);
    const deliveries = [
      ...events,
      ...Array.from(
        { length: events.length ? options.duplicates : 0 },
        () => events[randomInt(events.length)],
      ),
    ];
    if (options.shuffle) {
      for (let i = deliveries.length - 1; i > 0; i--) {
        const j = randomInt(i + 1);
        [deliveries[i], deliveries[j]] = [deliveries[j], deliveries[i]];
      }
    }
    const statuses: Record<string, number> = {};
    let success = 0;
    let next = 0;
    const lane = async () => {
      while (next < deliveries.length) {
        const event = deliveries[next++];
        const sealed = crypto.seal(toCallbackXml(event), {
          timestamp: String(Math.floor(this.state.now() / 1000)),
          nonce: String(randomInt(1e9)),
        });
        const url = new URL(callbackUrl);
        url.searchParams.set('msg_signature', sealed.msgSignature);
        url.searchParams.set('timestamp', sealed.timestamp);
        url.searchParams.set('nonce', sealed.nonce);
        let status = 'error';
        try {
          const res = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'text/xml' },
            body: toCallbackXml({ ToUserName: corpId, Encrypt: sealed.encrypted, AgentID: '' }),
          });
          status = String(res.status);
          if ((await res.text()) === 'success') success++;
        } catch {
          // counted under 'error'
        }
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(options.concurrency, deliveries.length) }, lane),
    );
    return { sent: deliveries.length, statuses, success, events };
  }

  /** Where and how callbacks go; refused until all three are set. */
  private target() {
    const { callbackUrl, callbackToken, callbackAesKey, corpId } = this.state.settings;
    if (!callbackUrl || !callbackToken || !callbackAesKey) {
      throw new BadRequestException(
        'set callbackUrl, callbackToken and callbackAesKey first (POST /__sim/settings or SIM_CALLBACK_*)',
      );
    }
    return { callbackUrl, callbackToken, callbackAesKey, corpId };
  }

  private event(
    kind: CallbackKind,
    n: number,
    corpId: string,
    senders: readonly string[],
    createTime: number,
  ): Record<string, string | number> {
    const base = {
      ToUserName: corpId,
      FromUserName: 'sys',
      CreateTime: createTime,
      MsgType: 'event',
    };
    const id = `${randomBytes(3).toString('hex')}${n}`;
    if (kind === 'change_external_tag') {
      return {
        ...base,
        Event: 'change_external_tag',
        Id: `etsim${id}`,
        TagType: 'tag',
        ChangeType: 'update',
      };
    }
    return {
      ...base,
      Event: 'change_external_contact',
      ChangeType: kind,
      UserID: senders[n % senders.length],
      ExternalUserID: `wmsim${id}`,
      ...(kind === 'add_external_contact' ? { State: '', WelcomeCode: `wc${id}` } : {}),
    };
  }
}
