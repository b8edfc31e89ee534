import type { CallbackFields } from '@app/wecom';
import type { FollowFact } from './follow-store';

/** What a recognised contact callback says about a follow relation; null when it changes none. */
export function followFactOf(kind: string, payload: CallbackFields, at: Date): FollowFact | null {
  const externalUserId = String(payload.ExternalUserID ?? '');
  const userid = String(payload.UserID ?? '');
  switch (kind) {
    case 'contact.add_external_contact':
    case 'contact.add_half_external_contact':
    case 'contact.edit_external_contact':
      return { externalUserId, userid, at, active: true };
    case 'contact.del_external_contact':
    case 'contact.del_follow_user':
      return {
        externalUserId,
        userid,
        at,
        active: false,
        removedBy: kind.slice('contact.'.length),
      };
    default:
      // transfer_fail: the customer stays with the member they had.
      return null;
  }
}
