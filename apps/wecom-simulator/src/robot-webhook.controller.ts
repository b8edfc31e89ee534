import { Body, Controller, Delete, Get, HttpCode, Injectable, Post, Query } from '@nestjs/common';

/** One message a group robot received. */
interface RobotMessage {
  key: string;
  msgtype: 'text' | 'markdown';
  content: string;
  mentionedList: string[];
  receivedAt: number;
}

/** WeCom's limits on a group robot (群机器人): content bytes per type, messages per minute. */
const MAX_BYTES = { text: 2048, markdown: 4096 } as const;
const PER_MINUTE = 20;

/** Messages received by the simulated group robots, newest last. */
@Injectable()
export class RobotInbox {
  private messages: RobotMessage[] = [];

  add(m: RobotMessage): void {
    this.messages.push(m);
  }

  list(key?: string): RobotMessage[] {
    return key ? this.messages.filter((m) => m.key === key) : [...this.messages];
  }

  /** Messages of `key` in the minute before `now`. */
  lastMinute(key: string, now: number): number {
    return this.messages.filter((m) => m.key === key && m.receivedAt > now - 60_000).length;
  }

  clear(): void {
    this.messages = [];
  }
}

const answer = (errcode: number, errmsg: string) => ({ errcode, errmsg });

/**
 * WeCom's group robot webhook, `POST /cgi-bin/webhook/send?key=…` with `msgtype` text or
 * markdown (as the real robot API: errcode 0 on success; 93000 without a key, 40008 another
 * msgtype, 44004 empty content, 40058 content over 2,048 / 4,096 bytes, 45009 over 20
 * messages a minute). Any key is a robot. `GET /__sim/robot-messages` lists what arrived.
 */
@Controller()
export class RobotWebhookController {
  constructor(private readonly inbox: RobotInbox) {}

  @Post('cgi-bin/webhook/send')
  @HttpCode(200)
  send(@Query('key') key: unknown, @Body() body: unknown) {
    if (typeof key !== 'string' || !/^[A-Za-z0-9-]{1,128}$/.test(key)) {
      return answer(93000, 'invalid webhook url');
    }
    const b = (body ?? {}) as Record<string, unknown>;
    const msgtype = b.msgtype;
    if (msgtype !== 'text' && msgtype !== 'markdown') {
      return answer(40008, 'invalid message type');
    }
    const part = (b[msgtype] ?? {}) as { content?: unknown; mentioned_list?: unknown };
    const content = typeof part.content === 'string' ? part.content : '';
    if (content.trim() === '') return answer(44004, 'empty content');
    if (Buffer.byteLength(content, 'utf8') > MAX_BYTES[msgtype]) {
      return answer(40058, `${msgtype}.content exceed max length ${MAX_BYTES[msgtype]}`);
    }
    const now = Date.now();
    if (this.inbox.lastMinute(key, now) >= PER_MINUTE) {
      return answer(45009, 'api freq out of limit');
    }
    const mentioned = Array.isArray(part.mentioned_list)
      ? part.mentioned_list.filter((m): m is string => typeof m === 'string')
      : [];
    this.inbox.add({ key, msgtype, content, mentionedList: mentioned, receivedAt: now });
    return answer(0, 'ok');
  }

  @Get('__sim/robot-messages')
  list(@Query('key') key?: string) {
    return { messages: this.inbox.list(key) };
  }

  @Delete('__sim/robot-messages')
  clear() {
    this.inbox.clear();
    return { cleared: true };
  }
}
