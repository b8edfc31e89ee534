/** WeCom's answer envelope; every endpoint adds its own fields. */
export interface WecomAnswer {
  errcode: number;
  errmsg: string;
}

export interface ImageAttachment {
  msgtype: 'image';
  image: { media_id: string };
}

export interface MiniProgramAttachment {
  msgtype: 'miniprogram';
  miniprogram: { title: string; pic_media_id: string; appid: string; page: string };
}

/** An add_msg_template attachment in WeCom's own shape (stored as is in wechat_push_results). */
export type WecomAttachment = ImageAttachment | MiniProgramAttachment;

export interface AddMsgTemplateInput {
  /** At most 10,000 external_userid. */
  externalUserIds: string[];
  text?: string;
  attachments?: WecomAttachment[];
  /** A member's userid; WeCom otherwise assigns each customer to the member who last chatted. */
  sender?: string;
}

/** add_msg_template's answer, exactly the `add` object of the seed's result JSON. */
export interface AddMsgTemplateAnswer extends WecomAnswer {
  msgid: string;
  fail_list: string[];
}

/**
 * One task in get_groupmsg_list_v2. Tasks created through the API have no `creator` and
 * `create_type` 0 (created by the corp).
 */
export interface GroupMsgListItem {
  msgid: string;
  creator?: string;
  create_type: number;
  /** Seconds since the epoch, as WeCom sends it (a string). */
  create_time: string;
  text?: { content?: string };
  attachments?: unknown[];
}

/** One member's task in get_groupmsg_task: status 0 not sent, 2 sent. */
export interface GroupMsgTask {
  userid: string;
  status: 0 | 2;
  send_time?: number;
}

/** One customer in get_groupmsg_send_result: 0 not sent, 1 sent, 2 not a friend, 3 over the receive cap. */
export interface GroupMsgSendResult {
  external_userid: string;
  userid: string;
  status: 0 | 1 | 2 | 3;
  send_time?: number;
}

export interface UploadedMedia {
  mediaId: string;
  /** When WeCom created it (the media_id lives 3 days from here). */
  createdAt: Date;
}

/** Rule fields that become attachments (names as the push rule has them). */
export interface RuleAttachmentFields {
  img?: string | null;
  miniProgramTitle?: string | null;
  miniProgramImg?: string | null;
  miniProgramUrl?: string | null;
}
