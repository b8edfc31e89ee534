import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig, AppException, ErrorCode } from '@app/common';
import {
  decodePushMsg,
  isTradeMessage,
  pushedTid,
  verifyYouzanPush,
  YouzanPushBody,
} from './youzan-push-message';
import { YouzanApi } from './youzan-api.service';
import { StoreReport, YouzanTradeStore } from './youzan-trade-store.service';

/** A push whose signature checked out, with what it is about. */
export interface OpenedPush {
  type: string | undefined;
  /** The order it is about; undefined for messages this connector does not act on. */
  tid: string | undefined;
  /** Why it is not acted on (answered `success` all the same, so Youzan stops sending it). */
  ignored?: 'not-a-trade-message' | 'other-shop' | 'test-message';
}

type PushOutcome =
  | { kind: 'stored'; tid: string; report: StoreReport }
  | { kind: 'ignored'; reason: NonNullable<OpenedPush['ignored']> };

const refused = (code: ErrorCode, field: string, message: string) =>
  new AppException(code, '有赞消息校验失败', [{ field, message }]);

/**
 * Youzan's push messages (消息推送) about trades and refunds: proven by Youzan's signature
 * first ({@link open}, nothing stored), then acted on ({@link accept}): the trade is read
 * again with `youzan.trade.get` — the message may be late, out of order or carry only the
 * order number — and stored through the same path as the pull.
 */
@Injectable()
export class YouzanPushService {
  private readonly logger = new Logger('YouzanPush');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly api: YouzanApi,
    private readonly trades: YouzanTradeStore,
  ) {}

  /** Checks a push without storing anything; every refusal names the field. */
  open(rawBody: string, eventSign: string | undefined): OpenedPush {
    const { YOUZAN_CLIENT_ID: clientId, YOUZAN_CLIENT_SECRET: clientSecret } = this.config;
    if (clientId === '' || clientSecret === '') {
      throw refused(
        ErrorCode.YOUZAN_NOT_CONFIGURED,
        'YOUZAN_CLIENT_ID',
        'the Youzan feed is not configured',
      );
    }
    const verdict = verifyYouzanPush(rawBody, eventSign, { clientId, clientSecret });
    if (!verdict.ok) {
      this.logger.warn(`push refused: ${verdict.reason} (${verdict.field})`);
      throw refused(
        verdict.reason === 'signature'
          ? ErrorCode.YOUZAN_SIGNATURE_INVALID
          : ErrorCode.YOUZAN_PUSH_MALFORMED,
        verdict.field,
        verdict.message,
      );
    }
    return this.read(verdict.body);
  }

  /** Reads the pushed trade from Youzan and stores it (a failure answers 5xx: Youzan retries). */
  async accept(push: OpenedPush): Promise<PushOutcome> {
    if (push.ignored) return { kind: 'ignored', reason: push.ignored };
    const tid = push.tid as string;
    const trade = await this.api.trade(tid);
    const report = await this.trades.store([trade]);
    this.logger.log({ msg: 'Youzan push stored', type: push.type, tid, ...report });
    return { kind: 'stored', tid, report };
  }

  private read(body: YouzanPushBody): OpenedPush {
    const type = typeof body.type === 'string' ? body.type : undefined;
    if (body.client_id !== undefined && String(body.client_id) !== this.config.YOUZAN_CLIENT_ID) {
      throw refused(ErrorCode.YOUZAN_SIGNATURE_INVALID, 'client_id', 'is another app');
    }
    if (!isTradeMessage(type)) return { type, tid: undefined, ignored: 'not-a-trade-message' };
    if (body.test === true) return { type, tid: undefined, ignored: 'test-message' };
    const shop = this.config.YOUZAN_KDT_ID;
    const shops = [body.kdt_id, body.root_kdt_id].filter((k) => k !== undefined).map(String);
    if (shops.length > 0 && !shops.includes(String(shop))) {
      return { type, tid: undefined, ignored: 'other-shop' };
    }
    const tid = pushedTid(body, decodePushMsg(body));
    if (tid === undefined) {
      throw refused(ErrorCode.YOUZAN_PUSH_MALFORMED, 'msg', 'names no order (tid)');
    }
    return { type, tid };
  }
}
