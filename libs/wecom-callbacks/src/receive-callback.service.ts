import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig, AppException, Clock, ErrorCode } from '@app/common';
import { parseCallbackXml, WecomCallbackCrypto, WecomCallbackError } from '@app/wecom';
import { readEvent, ReceivedEvent, UnreadableEventError } from './callback-event';
import { callbackEventJobId, CallbackJobName } from './callback-queue.contracts';
import { CallbackQueues } from './callback-queues';

/** WeCom's callbacks are refused when their timestamp is further than this from now. */
const CALLBACK_MAX_SKEW_SECONDS = 300;

/** A request to /wecom/callback as the protocol sees it: the query and the raw body. */
interface CallbackRequest {
  query: Record<string, unknown>;
  /** The raw body of a POST (undefined for the GET check). */
  body?: unknown;
}

/** A callback whose signature, timestamp, receiver and content checked out. */
export type OpenedCallback =
  { kind: 'url-check'; echo: string } | { kind: 'event'; event: ReceivedEvent };

const FAILURE_CODE = {
  signature: ErrorCode.CALLBACK_SIGNATURE_INVALID,
  receiver: ErrorCode.CALLBACK_WRONG_CORP,
  malformed: ErrorCode.CALLBACK_MALFORMED,
} as const;

const refused = (code: ErrorCode, field: string, message: string) =>
  new AppException(code, '企业微信回调校验失败', [{ field, message }]);

/**
 * WeCom's change callbacks (接收事件服务器): proves the sender by signature, decrypts, and
 * stores each distinct event once before answering; the processing job does the rest.
 */
@Injectable()
export class ReceiveCallbackService {
  private readonly logger = new Logger('WecomCallback');
  private readonly crypto: WecomCallbackCrypto | undefined;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
    private readonly clock: Clock,
    private readonly queues: CallbackQueues,
  ) {
    this.crypto =
      config.WECOM_CALLBACK_TOKEN !== undefined && config.WECOM_CALLBACK_AES_KEY !== undefined
        ? new WecomCallbackCrypto(
            config.WECOM_CALLBACK_TOKEN,
            config.WECOM_CALLBACK_AES_KEY,
            config.WECOM_CORP_ID,
          )
        : undefined;
  }

  /**
   * Checks a callback without storing anything: the URL check's echostr, or the decrypted
   * event. Every failure is an AppException with a stable code naming the field, logged
   * without the body.
   */
  open(req: CallbackRequest): OpenedCallback {
    try {
      return this.openChecked(req);
    } catch (e) {
      const error = this.toRefusal(e);
      const detail = error.details[0];
      this.logger.warn(`callback refused: ${error.code} (${detail?.field}: ${detail?.message})`);
      throw error;
    }
  }

  /**
   * Stores the event unless it is stored already, and makes sure it is processed. The
   * answer to WeCom waits for both (a few ms): a failure answers 5xx and WeCom retries.
   */
  async accept(event: ReceivedEvent): Promise<'stored' | 'duplicate'> {
    const result: { affectedRows?: number; insertId: number } = await this.db.query(
      `INSERT INTO wecom_callback_events
         (dedupe_key, event, change_type, event_time, payload, received_at)
       VALUES (?, ?, ?, ?, ?, ?)
       ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id)`,
      [
        event.dedupeKey,
        event.event,
        event.changeType,
        event.eventTime,
        JSON.stringify(event.payload),
        this.clock.now(),
      ],
    );
    const eventId = result.insertId;
    const stored = (result.affectedRows ?? 0) === 1;
    if (!stored) {
      const [row] = (await this.db.query(
        'SELECT processed_at FROM wecom_callback_events WHERE id = ?',
        [eventId],
      )) as { processed_at: Date | null }[];
      // Stored but never processed (the enqueue failed after the insert): enqueue again.
      if (row?.processed_at !== null) return 'duplicate';
    }
    await this.queues.add(
      CallbackJobName.PROCESS_EVENT,
      { eventId },
      { jobId: callbackEventJobId(eventId) },
    );
    return stored ? 'stored' : 'duplicate';
  }

  private openChecked(req: CallbackRequest): OpenedCallback {
    if (this.crypto === undefined) {
      throw new AppException(
        ErrorCode.CALLBACK_NOT_CONFIGURED,
        '未配置企业微信回调（WECOM_CALLBACK_TOKEN / WECOM_CALLBACK_AES_KEY）',
        [{ field: 'WECOM_CALLBACK_TOKEN', message: 'callbacks are not configured' }],
      );
    }
    const msgSignature = param(req.query, 'msg_signature', /^[0-9a-f]{40}$/i);
    const timestamp = param(req.query, 'timestamp', /^\d{1,12}$/);
    const nonce = param(req.query, 'nonce', /^[^\s]{1,64}$/);
    let encrypted: string;
    const isUrlCheck = req.body === undefined;
    if (isUrlCheck) {
      // A '+' left unencoded in the query arrives as a space; base64 has no spaces.
      encrypted = param(req.query, 'echostr', /^[A-Za-z0-9+/= ]{1,4096}$/).replace(/ /g, '+');
    } else {
      if (typeof req.body !== 'string' || req.body.length === 0) {
        throw refused(ErrorCode.CALLBACK_MALFORMED, 'body', 'an XML body is required');
      }
      const envelope = parseCallbackXml(req.body);
      const value = envelope.Encrypt;
      if (typeof value !== 'string' || value === '') {
        throw refused(ErrorCode.CALLBACK_MALFORMED, 'Encrypt', 'missing');
      }
      encrypted = value;
    }
    // Signature, decryption and receiver first: a forged request learns nothing else.
    const message = this.crypto.open({
      msgSignature: msgSignature.toLowerCase(),
      timestamp,
      nonce,
      encrypted,
    });
    const skew = Math.abs(this.clock.now().getTime() / 1000 - Number(timestamp));
    if (skew > CALLBACK_MAX_SKEW_SECONDS) {
      throw refused(
        ErrorCode.CALLBACK_TIMESTAMP_STALE,
        'timestamp',
        `more than ${CALLBACK_MAX_SKEW_SECONDS} s from now`,
      );
    }
    if (isUrlCheck) return { kind: 'url-check', echo: message };
    try {
      return { kind: 'event', event: readEvent(parseCallbackXml(message, 'Encrypt')) };
    } catch (e) {
      if (e instanceof UnreadableEventError) {
        throw refused(ErrorCode.CALLBACK_MALFORMED, e.field, e.message);
      }
      throw e;
    }
  }

  private toRefusal(e: unknown): AppException {
    if (e instanceof AppException) return e;
    if (e instanceof WecomCallbackError) {
      return refused(FAILURE_CODE[e.failure], e.field, e.message);
    }
    throw e;
  }
}

/** A query parameter that must be present once and match `pattern`. */
function param(query: Record<string, unknown>, name: string, pattern: RegExp): string {
  const value = query[name];
  if (typeof value !== 'string' || !pattern.test(value)) {
    throw refused(ErrorCode.CALLBACK_MALFORMED, name, 'missing or malformed');
  }
  return value;
}
