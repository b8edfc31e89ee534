import { Injectable } from '@nestjs/common';
import { checkAddMsgTemplate } from './add-msg-template.rules';
import { SimCorpService } from './corp/sim-corp.service';
import { SimMessage, SimulatorState } from './simulator-state.service';
import { ok, WecomAnswer, wecomError } from './wecom-errcodes';

export interface UploadedPart {
  buffer: Buffer;
  size: number;
  originalname: string;
}

/** Media size limits by `type`, in bytes, as WeCom documents them. */
const MEDIA_LIMITS: Record<string, number> = {
  image: 10 * 1024 * 1024,
  voice: 2 * 1024 * 1024,
  video: 10 * 1024 * 1024,
  file: 20 * 1024 * 1024,
};
const MEDIA_SIZE_ERRCODE: Record<string, number> = {
  image: 40009,
  voice: 40006,
  video: 40006,
  file: 40006,
};

const isJpeg = (b: Buffer) => b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;
const isPng = (b: Buffer) =>
  b.length > 8 &&
  b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));

const seconds = (ms: number) => Math.floor(ms / 1000);

type Body = Record<string, unknown>;

/** Reads `limit` (default when absent, zero or over the max, as WeCom does) and an opaque cursor. */
function paging(body: Body, def: number, max: number): { offset: number; limit: number } | null {
  const raw = Number(body.limit ?? def);
  const limit = Number.isInteger(raw) && raw > 0 && raw <= max ? raw : def;
  if (body.cursor === undefined || body.cursor === '') return { offset: 0, limit };
  const offset = Number(Buffer.from(String(body.cursor), 'base64url').toString());
  return Number.isInteger(offset) && offset >= 0 ? { offset, limit } : null;
}

function page<T>(items: T[], offset: number, limit: number): { items: T[]; next_cursor: string } {
  const end = offset + limit;
  return {
    items: items.slice(offset, end),
    next_cursor: end < items.length ? Buffer.from(String(end)).toString('base64url') : '',
  };
}

/** What the simulated WeCom does for each endpoint (the controller only maps HTTP). */
@Injectable()
export class WecomApiService {
  constructor(
    private readonly state: SimulatorState,
    private readonly corp: SimCorpService,
  ) {}

  gettoken(corpid: unknown, corpsecret: unknown): WecomAnswer {
    const s = this.state.settings;
    if (!corpid) return wecomError(41002);
    if (!corpsecret) return wecomError(41004);
    if (corpid !== s.corpId) return wecomError(40013);
    if (corpsecret !== s.corpSecret) return wecomError(40001);
    const token = this.state.issueToken();
    return ok({
      access_token: token.value,
      // Rounded up, so a token issued just now reports its full lifetime.
      expires_in: Math.max(1, Math.ceil((token.expiresAt - this.state.now()) / 1000)),
    });
  }

  upload(type: unknown, part: UploadedPart | undefined): WecomAnswer {
    if (typeof type !== 'string' || !(type in MEDIA_LIMITS)) return wecomError(40005);
    if (!part) return wecomError(41005);
    if (part.size === 0) return wecomError(44001);
    if (part.size <= 5) return wecomError(40006, 'file must be larger than 5 bytes');
    if (part.size > MEDIA_LIMITS[type]) return wecomError(MEDIA_SIZE_ERRCODE[type]);
    if (type === 'image' && !isJpeg(part.buffer) && !isPng(part.buffer)) {
      return wecomError(40004, 'image must be jpg or png');
    }
    const media = this.state.storeMedia(type, part.buffer, part.originalname);
    return ok({ type, media_id: media.mediaId, created_at: String(seconds(media.createdAt)) });
  }

  addMsgTemplate(body: unknown): WecomAnswer {
    const s = this.state.settings;
    const checked = checkAddMsgTemplate(body, {
      isMediaValid: (id, type) => this.state.isMediaValid(id, type),
      // A member of the corp: a configured sender or one of the generated corp's members.
      isKnownSender: (userid) => s.senders.includes(userid) || this.corp.corp.isMember(userid),
      miniProgramAppIds: s.miniProgramAppIds,
    });
    if (!checked.ok) return { ...checked.answer, fail_list: [] };
    const t = checked.value;
    const failList: string[] = [];
    const reachable = new Set<string>();
    for (const id of t.externalUserIds) {
      if (this.state.isNotFriend(id) || this.notFollowedBy(t.sender, id)) failList.push(id);
      else reachable.add(id);
    }
    if (reachable.size === 0) return { ...wecomError(41048), fail_list: failList };
    const message = this.state.addMessage({ ...t, failList, reachable: [...reachable] });
    return ok({ fail_list: failList, msgid: message.msgid });
  }

  /**
   * A task with a sender reaches only that member's customers: a contact of the generated
   * corp whom the sender does not follow cannot get it (ids the corp does not know are taken
   * as the sender's, as before the corp existed).
   */
  private notFollowedBy(sender: string | undefined, externalUserId: string): boolean {
    if (!sender) return false;
    const follows = this.corp.corp.follows(externalUserId);
    return follows.length > 0 && !follows.some((f) => f.userid === sender);
  }

  listGroupMsgs(body: Body): WecomAnswer {
    if (body.chat_type !== 'single' && body.chat_type !== 'group') {
      return wecomError(40058, 'chat_type');
    }
    const start = Number(body.start_time);
    const end = Number(body.end_time);
    if (!Number.isInteger(start) || !Number.isInteger(end) || end < start) {
      return wecomError(40058, 'start_time / end_time');
    }
    if (end - start > 31 * 24 * 3600) return wecomError(40058, 'time span over one month');
    const p = paging(body, 50, 100);
    if (!p) return wecomError(40058, 'cursor');
    // API-created tasks have no creator and are enterprise-published (filter_type 0).
    const apiTasksWanted = !body.creator && Number(body.filter_type ?? 2) !== 1;
    const matching =
      body.chat_type === 'single' && apiTasksWanted
        ? this.state.ledger().filter((m) => {
            const t = seconds(m.createdAt);
            return t >= start && t <= end;
          })
        : [];
    const { items, next_cursor } = page(matching, p.offset, p.limit);
    return ok({
      next_cursor,
      group_msg_list: items.map((m) => ({
        msgid: m.msgid,
        create_time: String(seconds(m.createdAt)),
        create_type: 0,
        ...(m.text ? { text: m.text } : {}),
        attachments: m.attachments,
      })),
    });
  }

  groupMsgTask(body: Body): WecomAnswer {
    const found = this.message(body);
    if ('errcode' in found) return found;
    const p = paging(body, 500, 1000);
    if (!p) return wecomError(40058, 'cursor');
    const { items, next_cursor } = page(found.tasks, p.offset, p.limit);
    return ok({
      next_cursor,
      task_list: items.map((task) =>
        this.state.isTaskSent(task)
          ? { userid: task.userid, status: 2, send_time: seconds(task.confirmAt ?? 0) }
          : { userid: task.userid, status: 0 },
      ),
    });
  }

  groupMsgSendResult(body: Body): WecomAnswer {
    const found = this.message(body);
    if ('errcode' in found) return found;
    if (typeof body.userid !== 'string' || !body.userid) return wecomError(40058, 'userid');
    const p = paging(body, 500, 1000);
    if (!p) return wecomError(40058, 'cursor');
    const task = found.tasks.find((t) => t.userid === body.userid);
    const ids = task?.externalUserIds ?? [];
    const { items, next_cursor } = page(ids, p.offset, p.limit);
    return ok({
      next_cursor,
      send_list: items.map((id) => {
        const status = task ? this.state.customerStatus(task, id) : 0;
        return {
          external_userid: id,
          userid: body.userid,
          status,
          ...(status === 1 && task ? { send_time: seconds(task.confirmAt ?? 0) } : {}),
        };
      }),
    });
  }

  remind(body: Body): WecomAnswer {
    const found = this.message(body, { dispatched: false });
    if ('errcode' in found) return found;
    if (found.cancelledAt !== null) return wecomError(41093);
    const dayAgo = this.state.now() - 24 * 3600 * 1000;
    if (found.reminders.filter((t) => t > dayAgo).length >= 3) return wecomError(41094);
    this.state.remind(found);
    return ok();
  }

  cancel(body: Body): WecomAnswer {
    const found = this.message(body, { dispatched: false });
    if ('errcode' in found) return found;
    if (found.cancelledAt !== null) return wecomError(41093);
    this.state.cancel(found);
    return ok();
  }

  private message(body: Body, opts = { dispatched: true }): SimMessage | WecomAnswer {
    if (typeof body.msgid !== 'string' || !body.msgid) return wecomError(41046);
    const message = this.state.findMessage(body.msgid);
    if (!message) return wecomError(41047);
    if (
      opts.dispatched &&
      this.state.now() < message.createdAt + this.state.settings.dispatchDelayMs
    ) {
      return wecomError(41063);
    }
    return message;
  }
}
