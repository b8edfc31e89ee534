import {
  BadRequestException,
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Post,
  Query,
} from '@nestjs/common';
import { z } from 'zod';
import { CallbackSender, SendReport, sendCallbacksSchema } from './callback-sender.service';
import { FaultInjector } from './fault-injector.service';
import {
  behaviourSchema,
  FaultSettings,
  faultSchema,
  NO_FAULTS,
  SimulatorBehaviour,
} from './simulator-settings';
import { SimMessage, SimulatorState } from './simulator-state.service';
import { RobotInbox } from './robot-webhook.controller';
import { SimCorpService } from './corp/sim-corp.service';

/** What the simulator was started with; `POST /__sim/reset` returns to it. */
export const INITIAL_SETTINGS = Symbol('INITIAL_SETTINGS');
export interface InitialSettings {
  behaviour: SimulatorBehaviour;
  faults: FaultSettings;
}

function parse<S extends z.ZodTypeAny>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new BadRequestException(
      result.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`),
    );
  }
  return result.data;
}

/** The ledger entry of one accepted message, as tests read it. */
export type LedgerEntry = ReturnType<typeof ledgerEntry>;

function ledgerEntry(m: SimMessage) {
  return {
    msgid: m.msgid,
    createTime: Math.floor(m.createdAt / 1000),
    chatType: 'single',
    sender: m.sender ?? null,
    externalUserIds: m.externalUserIds,
    failList: m.failList,
    text: m.text ?? null,
    attachments: m.attachments,
    senders: m.tasks.map((t) => ({ userid: t.userid, externalUserIds: t.externalUserIds })),
    cancelled: m.cancelledAt !== null,
    reminders: m.reminders.length,
  };
}

/** Test and demo controls: the ledger, statistics, faults, settings, clock and tokens. */
@Controller('__sim')
export class SimControlController {
  constructor(
    private readonly state: SimulatorState,
    private readonly faults: FaultInjector,
    private readonly callbacks: CallbackSender,
    private readonly robots: RobotInbox,
    private readonly corp: SimCorpService,
    @Inject(INITIAL_SETTINGS) private readonly initial: InitialSettings,
  ) {}

  /**
   * Sends `count` signed, encrypted change callbacks to `callbackUrl` (plus `duplicates`
   * retries of some of them, in random order with `shuffle`); answers when all were answered.
   */
  @Post('callbacks')
  @HttpCode(200)
  sendCallbacks(@Body() body: unknown): Promise<SendReport> {
    return this.callbacks.send(parse(sendCallbacksSchema, body ?? {}));
  }

  @Get('messages')
  messages(@Query('msgid') msgid?: string) {
    const all = this.state.ledger();
    return { messages: (msgid ? all.filter((m) => m.msgid === msgid) : all).map(ledgerEntry) };
  }

  @Get('media')
  media() {
    return { media: this.state.uploads() };
  }

  @Get('stats')
  stats() {
    return this.state.snapshotStats();
  }

  @Get('faults')
  currentFaults(): FaultSettings {
    return this.faults.current;
  }

  /** Replaces the faults (fields left out are off) and restarts the PRNG from the seed. */
  @Post('faults')
  @HttpCode(200)
  setFaults(@Body() body: unknown): FaultSettings {
    const next = parse(faultSchema.strict(), { ...NO_FAULTS, ...(body as object) });
    this.faults.configure(next);
    return next;
  }

  @Get('settings')
  settings(): SimulatorBehaviour {
    return this.state.settings;
  }

  /** Changes the given behaviour settings, keeping the others. */
  @Post('settings')
  @HttpCode(200)
  setSettings(@Body() body: unknown): SimulatorBehaviour {
    const next = parse(behaviourSchema.strict(), { ...this.state.settings, ...(body as object) });
    this.state.updateSettings(next);
    return next;
  }

  /** Revokes every live token: its next use answers `errcode` (42001 expired, 40014 invalid). */
  @Post('tokens/revoke')
  @HttpCode(200)
  revokeTokens(@Body() body: unknown) {
    const { errcode } = parse(
      z.object({ errcode: z.union([z.literal(40014), z.literal(42001)]).default(42001) }),
      body ?? {},
    );
    return { revoked: this.state.revokeAllTokens(errcode) };
  }

  /** Moves the simulator's clock forward: token and media expiry, delivery schedule. */
  @Post('clock')
  @HttpCode(200)
  advanceClock(@Body() body: unknown) {
    const { advanceMs } = parse(z.object({ advanceMs: z.number().int().min(0) }), body);
    return { now: this.state.advanceClock(advanceMs) };
  }

  @Post('reset')
  @HttpCode(200)
  reset() {
    this.state.reset(this.initial.behaviour);
    this.faults.configure(this.initial.faults);
    this.robots.clear();
    this.corp.reset();
    return { reset: true };
  }
}
