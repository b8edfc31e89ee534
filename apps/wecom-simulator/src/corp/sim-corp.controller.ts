import {
  BadRequestException,
  Body,
  Controller,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Query,
} from '@nestjs/common';
import { z } from 'zod';
import { CallbackSender, SendReport } from '../callback-sender.service';
import { SimulatorState } from '../simulator-state.service';
import { SimCorpService } from './sim-corp.service';

function parse<S extends z.ZodTypeAny>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value ?? {});
  if (!result.success) {
    throw new BadRequestException(
      result.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`),
    );
  }
  return result.data;
}

/**
 * What happens to the callback of a change: `send` now, `hold` until `/__sim/corp/callbacks/flush`
 * (to deliver several out of order, with retries), or `none` (WeCom lost it, or the change was
 * made through the API, which WeCom never calls back about).
 */
const callback = z.enum(['send', 'hold', 'none']).default('send');
const ids = { externalUserId: z.string().min(1), userid: z.string().min(1) };

const deleteSchema = z
  .object({
    ...ids,
    /** `customer` deleted the member (del_follow_user) or the `member` deleted the customer (del_external_contact). */
    by: z.enum(['customer', 'member']).default('customer'),
    callback,
  })
  .strict();
const addSchema = z
  .object({
    externalUserId: z.string().min(1).optional(),
    userid: z.string().min(1),
    name: z.string().min(1).optional(),
    unionid: z.string().min(1).optional(),
    remarkMobiles: z.array(z.string()).default([]),
    state: z.string().default(''),
    callback,
  })
  .strict();
const tagsSchema = z
  .object({
    ...ids,
    add: z.array(z.string()).default([]),
    remove: z.array(z.string()).default([]),
    callback,
  })
  .strict();
const flushSchema = z
  .object({
    duplicates: z.number().int().min(0).max(100_000).default(0),
    shuffle: z.boolean().default(false),
    concurrency: z.number().int().min(1).max(1000).default(50),
  })
  .strict();

type Event = Record<string, string | number>;

/** Control of the generated corp: read it, change it as customers and members would. */
@Controller('__sim/corp')
export class SimCorpController {
  private held: Event[] = [];

  constructor(
    private readonly corp: SimCorpService,
    private readonly state: SimulatorState,
    private readonly sender: CallbackSender,
  ) {}

  @Get()
  summary() {
    const c = this.corp.corp;
    return { ...c.shape, memberIds: c.members, tagGroups: c.tagLibrary(), held: this.held.length };
  }

  /** Every contact with its follows now (deleted-by-all contacts with none), 10,000 at most a page. */
  @Get('contacts')
  contacts(@Query('offset') offset = '0', @Query('limit') limit = '1000') {
    const o = Math.max(0, Number(offset) || 0);
    const l = Math.min(10_000, Math.max(1, Number(limit) || 1000));
    const page = this.corp.corp.contactsPage(o, l);
    return {
      contacts: page.contacts.map((c) => ({
        ...c,
        follows: this.corp.corp.follows(c.external_userid),
      })),
      next: page.next,
    };
  }

  @Get('contacts/:id')
  contact(@Param('id') id: string) {
    const c = this.corp.corp.contact(id);
    if (!c) throw new NotFoundException(`no contact ${id}`);
    return { ...c, follows: this.corp.corp.follows(id) };
  }

  @Post('follows/delete')
  @HttpCode(200)
  async deleteFollow(@Body() body: unknown) {
    const r = parse(deleteSchema, body);
    if (!this.corp.corp.deleteFollow(r.externalUserId, r.userid)) {
      throw new NotFoundException(`${r.userid} does not follow ${r.externalUserId}`);
    }
    const change = r.by === 'customer' ? 'del_follow_user' : 'del_external_contact';
    return this.callBack(r.callback, this.event(change, r.externalUserId, r.userid));
  }

  @Post('follows/add')
  @HttpCode(200)
  async addFollow(@Body() body: unknown) {
    const r = parse(addSchema, body);
    if (!this.corp.corp.isMember(r.userid)) throw new BadRequestException(`no member ${r.userid}`);
    const id = this.corp.corp.addFollow(r, {
      createtime: Math.floor(this.state.now() / 1000),
      remark_mobiles: r.remarkMobiles,
      state: r.state,
    });
    if (id === null)
      throw new BadRequestException(`${r.userid} already follows ${r.externalUserId}`);
    const extra = { State: r.state, WelcomeCode: `wc${Date.now()}` };
    return {
      externalUserId: id,
      ...(await this.callBack(r.callback, this.event('add_external_contact', id, r.userid, extra))),
    };
  }

  @Post('follows/tags')
  @HttpCode(200)
  async retag(@Body() body: unknown) {
    const r = parse(tagsSchema, body);
    if (!this.corp.corp.retag(r.externalUserId, r.userid, r.add, r.remove)) {
      throw new NotFoundException(`${r.userid} does not follow ${r.externalUserId}`);
    }
    return this.callBack(
      r.callback,
      this.event('edit_external_contact', r.externalUserId, r.userid),
    );
  }

  /** Sends the held callbacks (with `duplicates` retries, `shuffle`d), then forgets them. */
  @Post('callbacks/flush')
  @HttpCode(200)
  flush(@Body() body: unknown): Promise<SendReport> {
    const options = parse(flushSchema, body);
    const events = this.held;
    this.held = [];
    return this.sender.deliver(events, options);
  }

  private event(change: string, externalUserId: string, userid: string, extra: Event = {}): Event {
    return {
      ToUserName: this.state.settings.corpId,
      FromUserName: 'sys',
      CreateTime: Math.floor(this.state.now() / 1000),
      MsgType: 'event',
      Event: 'change_external_contact',
      ChangeType: change,
      UserID: userid,
      ExternalUserID: externalUserId,
      ...extra,
    };
  }

  private async callBack(mode: 'send' | 'hold' | 'none', event: Event) {
    if (mode === 'hold') this.held.push(event);
    if (mode !== 'send') return { callback: mode, event };
    const report = await this.sender.deliver([event], {
      duplicates: 0,
      shuffle: false,
      concurrency: 1,
    });
    return { callback: mode, event, success: report.success === 1 };
  }
}
