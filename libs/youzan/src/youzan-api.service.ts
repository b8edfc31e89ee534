import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@app/common';
import { TOKEN_REFUSED_CODES, YouzanApiError } from './youzan-errors';
import { YouzanHttp } from './youzan-http';
import { YouzanTokenService } from './youzan-token.service';
import type { YouzanAnswer, YouzanTrade, YouzanTradesPage } from './youzan-trade.types';

/** The API versions relied on (docs/INGEST.md "Youzan"). */
const YOUZAN_APIS = {
  tradesSoldGet: { name: 'youzan.trades.sold.get', version: '4.0.4' },
  tradeGet: { name: 'youzan.trade.get', version: '4.0.2' },
} as const;

interface TradesQuery {
  /** `YYYY-MM-DD HH:mm:ss`, Asia/Shanghai, both included. */
  startUpdate: string;
  endUpdate: string;
  pageNo: number;
  pageSize: number;
}

/**
 * Youzan's open API as this connector uses it: `POST {YOUZAN_API_URL}/api/{api}/{version}
 * ?access_token=…` with the parameters as JSON. A refused token is dropped and fetched again
 * once; other failures are {@link YouzanApiError}s.
 */
@Injectable()
export class YouzanApi {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly http: YouzanHttp,
    private readonly tokens: YouzanTokenService,
  ) {}

  /** Whether YOUZAN_CLIENT_ID is set (the config then requires the secret and the shop). */
  get configured(): boolean {
    return this.config.YOUZAN_CLIENT_ID !== '';
  }

  tradesByUpdateTime(q: TradesQuery): Promise<YouzanTradesPage> {
    return this.call<YouzanTradesPage>(YOUZAN_APIS.tradesSoldGet, {
      start_update: q.startUpdate,
      end_update: q.endUpdate,
      page_no: q.pageNo,
      page_size: q.pageSize,
    });
  }

  trade(tid: string): Promise<YouzanTrade> {
    return this.call<YouzanTrade>(YOUZAN_APIS.tradeGet, { tid });
  }

  private async call<T>(
    api: { name: string; version: string },
    params: Record<string, unknown>,
  ): Promise<T> {
    if (!this.configured) {
      throw new YouzanApiError(api.name, null, 'YOUZAN_CLIENT_ID is not set', false);
    }
    for (let attempt = 1; ; attempt++) {
      const token = await this.tokens.getAccessToken();
      const answer = await this.http.post<YouzanAnswer<T>>(
        api.name,
        `/api/${api.name}/${api.version}`,
        params,
        { access_token: token },
      );
      const gateway = answer.gw_err_resp;
      if (gateway) {
        if (TOKEN_REFUSED_CODES.has(gateway.err_code) && attempt === 1) {
          await this.tokens.invalidate(token);
          continue;
        }
        throw new YouzanApiError(api.name, gateway.err_code, gateway.err_msg, true);
      }
      if (!answer.success || answer.data === undefined) {
        throw new YouzanApiError(api.name, answer.code ?? null, answer.message ?? 'no data', false);
      }
      return answer.data;
    }
  }
}
