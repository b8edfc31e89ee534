import { Injectable } from '@nestjs/common';
import { WecomApiRateLimiter } from './wecom-api-rate-limiter';
import { WecomApi } from './wecom-api.service';
import { WecomEndpoint } from './wecom-endpoints';
import { WecomAnswer } from './wecom.types';

/** WeCom's 客户联系 read APIs (all idempotent: an unanswered call is simply retried). */
export const CONTACT_ENDPOINTS = {
  getFollowUserList: {
    name: 'externalcontact/get_follow_user_list',
    method: 'GET',
    idempotent: true,
  },
  batchGetByUser: { name: 'externalcontact/batch/get_by_user', method: 'POST', idempotent: true },
  getCorpTagList: { name: 'externalcontact/get_corp_tag_list', method: 'POST', idempotent: true },
} as const satisfies Record<string, WecomEndpoint>;

/** WeCom's limits of batch/get_by_user. */
export const BY_USER_MAX_USERIDS = 100;
const BY_USER_MAX_LIMIT = 100;

/** The external contact of a batch/get_by_user row (fields this system reads). */
export interface WecomExternalContact {
  external_userid: string;
  name?: string;
  type?: number;
  gender?: number;
  unionid?: string;
}

/** One member's relation with the contact: when they added them, how they know them. */
export interface WecomFollowInfo {
  userid: string;
  remark?: string;
  description?: string;
  /** Unix seconds. */
  createtime: number;
  tag_id?: string[];
  remark_mobiles?: string[];
  add_way?: number;
  state?: string;
}

export interface WecomContactRow {
  external_contact: WecomExternalContact;
  follow_info: WecomFollowInfo;
}

export interface WecomCorpTagGroup {
  group_id: string;
  group_name: string;
  order?: number;
  deleted?: boolean;
  tag: { id: string; name: string; order?: number; deleted?: boolean }[];
}

interface ByUserPage extends WecomAnswer {
  external_contact_list?: WecomContactRow[];
  next_cursor?: string;
}

/**
 * The contact reads, each call waiting for its endpoint's share of WeCom's per-API limit
 * (shared in Redis by every worker) and going through the client's error policy: 45009 and
 * -1 are `WecomRetryableError`s, a refused token is fetched again and the call replayed once.
 */
@Injectable()
export class WecomContactsClient {
  constructor(
    private readonly api: WecomApi,
    private readonly limiter: WecomApiRateLimiter,
  ) {}

  /** Members with the customer-contact permission who have customers. */
  async followUserList(): Promise<string[]> {
    const endpoint = CONTACT_ENDPOINTS.getFollowUserList;
    await this.limiter.take(endpoint);
    const answer = await this.api.call<WecomAnswer & { follow_user?: string[] }>(
      endpoint,
      () => ({}),
    );
    return answer.follow_user ?? [];
  }

  /**
   * One page of batch/get_by_user: the listed members' (≤ 100) contacts, one row per
   * (contact, member), `limit` (≤ 100) at a time from `cursor` ('' first); `nextCursor` '' at the end.
   */
  async byUserPage(
    userids: readonly string[],
    cursor: string,
    limit = BY_USER_MAX_LIMIT,
  ): Promise<{ rows: WecomContactRow[]; nextCursor: string }> {
    if (userids.length === 0 || userids.length > BY_USER_MAX_USERIDS) {
      throw new RangeError(`batch/get_by_user takes 1 to ${BY_USER_MAX_USERIDS} userids`);
    }
    const endpoint = CONTACT_ENDPOINTS.batchGetByUser;
    const data = {
      userid_list: userids,
      limit: Math.min(limit, BY_USER_MAX_LIMIT),
      ...(cursor ? { cursor } : {}),
    };
    await this.limiter.take(endpoint);
    const page = await this.api.call<ByUserPage>(endpoint, () => ({ data }));
    return { rows: page.external_contact_list ?? [], nextCursor: page.next_cursor ?? '' };
  }

  /** The corp tag library (every group with its tags). */
  async corpTagList(): Promise<WecomCorpTagGroup[]> {
    const endpoint = CONTACT_ENDPOINTS.getCorpTagList;
    await this.limiter.take(endpoint);
    const answer = await this.api.call<WecomAnswer & { tag_group?: WecomCorpTagGroup[] }>(
      endpoint,
      () => ({ data: {} }),
    );
    return answer.tag_group ?? [];
  }
}
