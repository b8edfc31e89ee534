import { Injectable } from '@nestjs/common';
import { WecomApi } from './wecom-api.service';
import { ENDPOINTS, WecomEndpoint } from './wecom-endpoints';
import { WecomError, WecomFatalError } from './wecom-errors';
import { addMsgTemplateViolation } from './wecom-limits';
import {
  AddMsgTemplateAnswer,
  AddMsgTemplateInput,
  GroupMsgListItem,
  GroupMsgSendResult,
  GroupMsgTask,
  WecomAnswer,
} from './wecom.types';

interface Page extends WecomAnswer {
  next_cursor?: string;
}

/** WeCom's customer group-messaging calls (企业群发). */
interface PageOptions {
  limit?: number;
  /** Awaited before each page's call (e.g. a shared rate limit). */
  beforeCall?: () => Promise<void>;
}

@Injectable()
export class WecomClient {
  constructor(private readonly api: WecomApi) {}

  /**
   * Creates a group-message task for up to 10,000 customers. Requests WeCom would refuse
   * (too many ids, text over 4000 bytes, over 9 attachments, a long mini-program title) are
   * refused here with the errcode WeCom would answer, without calling.
   */
  async addMsgTemplate(input: AddMsgTemplateInput): Promise<AddMsgTemplateAnswer> {
    const endpoint = ENDPOINTS.addMsgTemplate;
    const violation = addMsgTemplateViolation(input);
    if (violation) {
      throw new WecomFatalError(
        endpoint.name,
        violation.errcode,
        `${violation.errmsg} (refused before calling WeCom)`,
      );
    }
    const body = {
      chat_type: 'single',
      external_userid: input.externalUserIds,
      ...(input.sender ? { sender: input.sender } : {}),
      ...(input.text ? { text: { content: input.text } } : {}),
      attachments: input.attachments ?? [],
    };
    const answer = await this.api.call<AddMsgTemplateAnswer>(endpoint, () => ({ data: body }));
    return {
      errcode: answer.errcode,
      errmsg: answer.errmsg,
      fail_list: answer.fail_list ?? [],
      msgid: answer.msgid,
    };
  }

  /**
   * The single-chat tasks the corp created between two instants (get_groupmsg_list_v2,
   * `filter_type` 0: created by the corp, which API-created tasks are), page by page. WeCom
   * takes seconds and a span of at most one month.
   */
  listGroupMsgs(
    window: { from: Date; to: Date },
    options: PageOptions = {},
  ): AsyncGenerator<GroupMsgListItem[]> {
    return this.pages<GroupMsgListItem>(
      ENDPOINTS.getGroupMsgListV2,
      {
        chat_type: 'single',
        filter_type: 0,
        start_time: Math.floor(window.from.getTime() / 1000),
        end_time: Math.ceil(window.to.getTime() / 1000),
        limit: options.limit ?? 100,
      },
      'group_msg_list',
      options.beforeCall,
    );
  }

  /** The members' tasks of a message, page by page (status 0 not sent, 2 sent). */
  getGroupMsgTask(msgid: string, options: PageOptions = {}): AsyncGenerator<GroupMsgTask[]> {
    return this.pages<GroupMsgTask>(
      ENDPOINTS.getGroupMsgTask,
      { msgid, limit: options.limit ?? 1000 },
      'task_list',
      options.beforeCall,
    );
  }

  /** Each customer's outcome for one member's task, page by page (status 0..3). */
  getGroupMsgSendResult(
    msgid: string,
    userid: string,
    options: PageOptions = {},
  ): AsyncGenerator<GroupMsgSendResult[]> {
    return this.pages<GroupMsgSendResult>(
      ENDPOINTS.getGroupMsgSendResult,
      { msgid, userid, limit: options.limit ?? 1000 },
      'send_list',
      options.beforeCall,
    );
  }

  /** Notifies the members again; WeCom allows 3 reminders per task per 24 h (41094 after). */
  async remindGroupMsgSend(msgid: string): Promise<void> {
    await this.api.call(ENDPOINTS.remindGroupMsgSend, () => ({ data: { msgid } }));
  }

  /** Stops members from sending the rest; what was delivered stays delivered. */
  async cancelGroupMsgSend(msgid: string): Promise<'cancelled' | 'already-cancelled'> {
    try {
      await this.api.call(ENDPOINTS.cancelGroupMsgSend, () => ({ data: { msgid } }));
      return 'cancelled';
    } catch (e) {
      if (e instanceof WecomError && e.errcode === 41093) return 'already-cancelled';
      throw e;
    }
  }

  private async *pages<T>(
    endpoint: WecomEndpoint,
    query: Record<string, unknown>,
    field: string,
    beforeCall?: () => Promise<void>,
  ): AsyncGenerator<T[]> {
    let cursor = '';
    do {
      const body = { ...query, ...(cursor ? { cursor } : {}) };
      await beforeCall?.();
      const page = await this.api.call<Page>(endpoint, () => ({ data: body }));
      const items = (page as unknown as Record<string, unknown>)[field];
      yield Array.isArray(items) ? (items as T[]) : [];
      cursor = page.next_cursor ?? '';
    } while (cursor);
  }
}
