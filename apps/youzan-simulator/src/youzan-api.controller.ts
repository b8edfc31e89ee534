import { Body, Controller, HttpCode, Param, Post, Query } from '@nestjs/common';
import { parseBusinessDateTime } from '@app/common';
import { YouzanSimState } from './youzan-sim-state';

const DATETIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

const fail = (code: number, message: string) => ({ success: false, code, message });

/**
 * Youzan's open API as the connector calls it: `POST /auth/token` (silent authorisation of a
 * self-use app) and `POST /api/{api}/{version}?access_token=…` for youzan.trades.sold.get and
 * youzan.trade.get, with Youzan's envelope (`success`, `code`, `message`, `data`; gateway
 * refusals as `gw_err_resp`).
 */
@Controller()
export class YouzanApiController {
  constructor(private readonly state: YouzanSimState) {}

  @Post('auth/token')
  @HttpCode(200)
  token(@Body() body: Record<string, unknown>) {
    this.state.count('auth/token');
    const s = this.state.settings;
    if (body?.authorize_type !== 'silent') return fail(40002, 'authorize_type 不支持');
    if (body.client_id !== s.clientId || body.client_secret !== s.clientSecret) {
      return fail(40001, 'client_id 或 client_secret 错误');
    }
    if (String(body.grant_id) !== s.kdtId) return fail(40003, '店铺未授权该应用');
    const { token, expires } = this.state.issueToken();
    return {
      success: true,
      code: 200,
      message: 'success',
      data: { access_token: token, expires, scope: 'trade', authority_id: s.kdtId },
    };
  }

  @Post('api/:api/:version')
  @HttpCode(200)
  call(
    @Param('api') api: string,
    @Param('version') version: string,
    @Query('access_token') token: string | undefined,
    @Body() body: Record<string, unknown>,
  ) {
    this.state.count(api);
    if (!this.state.tokenValid(token)) {
      return { gw_err_resp: { err_code: 4203, err_msg: 'access_token 不存在或已过期' } };
    }
    if (!/^4\.0\.\d+$/.test(version)) return fail(50000, `version ${version} not served`);
    const params = body ?? {};
    if (api === 'youzan.trades.sold.get') return this.tradesSoldGet(params);
    if (api === 'youzan.trade.get') return this.tradeGet(params);
    return fail(50001, `api ${api} not served by the simulator`);
  }

  private tradesSoldGet(p: Record<string, unknown>) {
    const pageNo = p.page_no === undefined ? 1 : Number(p.page_no);
    const pageSize = p.page_size === undefined ? 20 : Number(p.page_size);
    const { maxPageSize, maxResults } = this.state.settings;
    if (!Number.isInteger(pageNo) || pageNo < 1) return fail(141502101, 'page_no 参数错误');
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > maxPageSize) {
      return fail(141502102, `page_size 取值 1-${maxPageSize}`);
    }
    if (pageNo * pageSize > maxResults) {
      return fail(141502103, `最多查询前 ${maxResults} 条，请缩小时间范围`);
    }
    const bound = (v: unknown, name: string) => {
      if (v === undefined) return undefined;
      if (typeof v !== 'string' || !DATETIME.test(v)) throw new Error(name);
      return parseBusinessDateTime(v).getTime();
    };
    let start: number | undefined;
    let end: number | undefined;
    try {
      start = bound(p.start_update, 'start_update');
      end = bound(p.end_update, 'end_update');
    } catch (e) {
      return fail(141502104, `${(e as Error).message} 格式应为 yyyy-MM-dd HH:mm:ss`);
    }
    const all = this.state.book.byUpdateTime(start ?? 0, end ?? Number.MAX_SAFE_INTEGER);
    const page = all.slice((pageNo - 1) * pageSize, pageNo * pageSize);
    return {
      success: true,
      code: 200,
      message: 'success',
      data: { total_results: all.length, full_order_info_list: page },
    };
  }

  private tradeGet(p: Record<string, unknown>) {
    const trade = typeof p.tid === 'string' ? this.state.book.get(p.tid) : undefined;
    if (!trade) return fail(141500101, '订单不存在');
    return { success: true, code: 200, message: 'success', data: trade };
  }
}
