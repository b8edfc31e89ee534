import {
  BadRequestException,
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
} from '@nestjs/common';
import { z } from 'zod';
import { PUSH_TYPES, sendPush } from './push-sender';
import { YouzanSimState } from './youzan-sim-state';
import { youzanSimSchema, YouzanSimSettings } from './youzan-sim-settings';

/** What the simulator was started with; `POST /__sim/reset` returns to it. */
export const INITIAL_YOUZAN_SETTINGS = Symbol('INITIAL_YOUZAN_SETTINGS');

function parse<S extends z.ZodTypeAny>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value ?? {});
  if (!result.success) {
    throw new BadRequestException(
      result.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`),
    );
  }
  return result.data;
}

const at = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/)
  .optional();

/** Test and demo controls: the trades as the simulator holds them, changes, pushes, settings. */
@Controller('__sim')
export class YouzanSimControlController {
  constructor(
    private readonly state: YouzanSimState,
    @Inject(INITIAL_YOUZAN_SETTINGS) private readonly initial: YouzanSimSettings,
  ) {}

  /** Every trade in the connector's terms (status as deriveOrderStatus gives it). */
  @Get('orders')
  orders() {
    return { orders: this.state.book.views() };
  }

  @Get('trades/:tid')
  trade(@Param('tid') tid: string) {
    const trade = this.state.book.get(tid);
    if (!trade) throw new NotFoundException(`no trade ${tid}`);
    return trade;
  }

  /** New paid trades, updated now or at `at` (Asia/Shanghai; in the past: indexed late). */
  @Post('trades')
  @HttpCode(200)
  create(@Body() body: unknown) {
    const { count, at: when } = parse(
      z.object({ count: z.number().int().min(1).max(1_000_000).default(1), at }).strict(),
      body,
    );
    const made = this.state.book.create(count, when);
    return { tids: made.map((s) => s.trade.full_order_info.order_info.tid) };
  }

  /** Changes one trade (refund in full or in part, close, complete, ship, pay). */
  @Post('trades/:tid')
  @HttpCode(200)
  change(@Param('tid') tid: string, @Body() body: unknown) {
    const {
      action,
      at: when,
      refundFen,
    } = parse(
      z
        .object({
          action: z.enum(['refund', 'partial-refund', 'close', 'complete', 'pay', 'ship']),
          at,
          refundFen: z.number().int().min(1).optional(),
        })
        .strict(),
      body,
    );
    const changed = this.state.book.change(tid, action, when, refundFen);
    if (!changed) throw new NotFoundException(`no trade ${tid}`);
    return changed.trade;
  }

  /** Random changes of existing trades (seeded): refunds, closes, completions. */
  @Post('churn')
  @HttpCode(200)
  churn(@Body() body: unknown) {
    const counts = parse(
      z
        .object({
          refund: z.number().int().min(0).default(0),
          close: z.number().int().min(0).default(0),
          complete: z.number().int().min(0).default(0),
        })
        .strict(),
      body,
    );
    return { tids: this.state.book.churn(counts) };
  }

  /** Sends a signed push message about a trade to `pushUrl` and answers what the app answered. */
  @Post('push')
  @HttpCode(200)
  async push(@Body() body: unknown) {
    const req = parse(
      z
        .object({
          tid: z.string().min(1),
          type: z.enum(PUSH_TYPES),
          signing: z.enum(['header', 'body']).default('header'),
          forge: z.boolean().default(false),
        })
        .strict(),
      body,
    );
    try {
      return await sendPush(this.state, req);
    } catch (e) {
      throw new BadRequestException((e as Error).message);
    }
  }

  @Get('stats')
  stats() {
    return { requests: this.state.requests, trades: this.state.book.size };
  }

  @Get('settings')
  settings(): YouzanSimSettings {
    return this.state.settings;
  }

  /** Changes settings (pushUrl, page limits, token lifetime…) without regenerating trades. */
  @Post('settings')
  @HttpCode(200)
  setSettings(@Body() body: unknown): YouzanSimSettings {
    const next = parse(youzanSimSchema.strict(), { ...this.state.settings, ...(body as object) });
    this.state.settings = next;
    return next;
  }

  /** Every issued token stops working (the connector must fetch a new one). */
  @Post('tokens/revoke')
  @HttpCode(200)
  revoke() {
    return { revoked: this.state.revokeTokens() };
  }

  /** Back to the start settings and freshly generated trades. */
  @Post('reset')
  @HttpCode(200)
  reset() {
    this.state.reset(this.initial);
    return { reset: true, trades: this.state.book.size };
  }
}
