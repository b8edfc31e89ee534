/** An endpoint under /cgi-bin/; `idempotent` says whether repeating it can do harm. */
export interface WecomEndpoint {
  readonly name: string;
  readonly method: 'GET' | 'POST';
  readonly idempotent: boolean;
}

const endpoint = (name: string, method: 'GET' | 'POST', idempotent: boolean): WecomEndpoint => ({
  name,
  method,
  idempotent,
});

export const ENDPOINTS = {
  gettoken: endpoint('gettoken', 'GET', true),
  // A repeated upload only costs a second media_id.
  mediaUpload: endpoint('media/upload', 'POST', true),
  addMsgTemplate: endpoint('externalcontact/add_msg_template', 'POST', false),
  getGroupMsgListV2: endpoint('externalcontact/get_groupmsg_list_v2', 'POST', true),
  getGroupMsgTask: endpoint('externalcontact/get_groupmsg_task', 'POST', true),
  getGroupMsgSendResult: endpoint('externalcontact/get_groupmsg_send_result', 'POST', true),
  // Each reminder counts against WeCom's 3 per task per 24 h.
  remindGroupMsgSend: endpoint('externalcontact/remind_groupmsg_send', 'POST', false),
  // Cancelling twice answers 41093, which callers treat as done.
  cancelGroupMsgSend: endpoint('externalcontact/cancel_groupmsg_send', 'POST', true),
} as const;

/** Path of an endpoint relative to WECOM_API_BASE. */
export const endpointPath = (e: WecomEndpoint): string => `/cgi-bin/${e.name}`;
