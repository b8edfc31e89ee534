import { Injectable } from '@nestjs/common';
import { SimulatorState } from '../simulator-state.service';
import { ok, WecomAnswer, wecomError } from '../wecom-errcodes';
import { CorpShape, SimCorp } from './sim-corp';

type Body = Record<string, unknown>;

/** WeCom's page size rules for batch/get_by_user: default 50, at most 100 (more reads as 100). */
const BY_USER_DEFAULT = 50;
const BY_USER_MAX = 100;
const BY_USER_MAX_USERIDS = 100;
const MINUTE_MS = 60_000;

function shapeOf(state: SimulatorState): CorpShape {
  const s = state.settings;
  return {
    seed: s.corpSeed,
    members: s.corpMembers,
    contacts: s.corpContacts,
    unionidRate: s.corpUnionidRate,
    mobileRate: s.corpMobileRate,
  };
}

/**
 * The corp behind the contact endpoints: rebuilt (changes forgotten) when its shape in the
 * settings changes or the simulator is reset; each contact API is limited per minute as
 * WeCom limits each API separately (45009 once spent, nothing done).
 */
@Injectable()
export class SimCorpService {
  private current: SimCorp | null = null;
  private key = '';
  private readonly windows = new Map<string, { start: number; calls: number }>();

  constructor(private readonly state: SimulatorState) {}

  get corp(): SimCorp {
    const shape = shapeOf(this.state);
    const key = JSON.stringify([shape, this.state.settings.senders]);
    if (this.current === null || key !== this.key) {
      this.current = new SimCorp(shape, this.state.settings.senders);
      this.key = key;
    }
    return this.current;
  }

  reset(): void {
    this.current = null;
    this.windows.clear();
  }

  /** Spends one call of the endpoint's minute; false when WeCom would answer 45009. */
  private spend(endpoint: string): boolean {
    const max = this.state.settings.contactCallsPerMinute;
    if (max === 0) return true;
    const now = this.state.now();
    const w = this.windows.get(endpoint);
    if (!w || now - w.start >= MINUTE_MS) {
      this.windows.set(endpoint, { start: now, calls: 1 });
      return true;
    }
    if (w.calls >= max) return false;
    w.calls++;
    return true;
  }

  followUserList(): WecomAnswer {
    if (!this.spend('get_follow_user_list')) return wecomError(45009);
    return ok({ follow_user: this.corp.members });
  }

  batchByUser(body: Body): WecomAnswer {
    if (!this.spend('batch/get_by_user')) return wecomError(45009);
    const list = body.userid_list;
    if (!Array.isArray(list) || list.length === 0 || list.some((u) => typeof u !== 'string')) {
      return wecomError(40058, 'userid_list');
    }
    if (list.length > BY_USER_MAX_USERIDS) return wecomError(40058, 'userid_list exceed 100');
    const userids = list as string[];
    const unknown = userids.find((u) => !this.corp.isMember(u));
    if (unknown !== undefined) return wecomError(40003, unknown);
    const raw = Number(body.limit ?? BY_USER_DEFAULT);
    const limit = !Number.isInteger(raw) || raw <= 0 ? BY_USER_DEFAULT : Math.min(raw, BY_USER_MAX);
    const cursor = typeof body.cursor === 'string' ? body.cursor : '';
    const page = this.corp.byUser(userids, cursor, limit);
    if (page === null) return wecomError(40058, 'cursor');
    return ok({ external_contact_list: page.rows, next_cursor: page.next_cursor });
  }

  corpTagList(body: Body): WecomAnswer {
    if (!this.spend('get_corp_tag_list')) return wecomError(45009);
    const tagIds = Array.isArray(body.tag_id) ? (body.tag_id as unknown[]).map(String) : [];
    const groupIds = Array.isArray(body.group_id) ? (body.group_id as unknown[]).map(String) : [];
    const groups = this.corp
      .tagLibrary()
      .filter((g) => groupIds.length === 0 || groupIds.includes(g.group_id))
      .map((g) => ({
        ...g,
        tag: tagIds.length === 0 ? g.tag : g.tag.filter((t) => tagIds.includes(t.id)),
      }))
      .filter((g) => tagIds.length === 0 || g.tag.length > 0);
    return ok({ tag_group: groups });
  }
}
