import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@app/common';
import { imageAttachment, miniProgramAttachment } from './wecom-attachments';
import { ENDPOINTS } from './wecom-endpoints';
import { WecomConfigError, WecomFatalError } from './wecom-errors';
import { miniProgramTitleViolation } from './wecom-limits';
import { WecomMediaService } from './wecom-media.service';
import { RuleAttachmentFields, WecomAttachment } from './wecom.types';

const filled = (v: string | null | undefined): v is string => !!v && v.trim() !== '';

/** Turns a rule's image and mini-program card into add_msg_template attachments. */
@Injectable()
export class WecomAttachmentService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly media: WecomMediaService,
  ) {}

  /**
   * Uploads (or reuses) the images and builds the attachments: image first, then the card.
   * Fails before any download when the card is incomplete, its title too long or no
   * WECOM_MINIPROGRAM_APPID is configured.
   */
  async forRule(rule: RuleAttachmentFields): Promise<WecomAttachment[]> {
    const endpoint = ENDPOINTS.addMsgTemplate.name;
    const card = [rule.miniProgramTitle, rule.miniProgramImg, rule.miniProgramUrl];
    const hasCard = card.some(filled);
    if (hasCard) {
      if (!card.every(filled)) {
        throw new WecomFatalError(
          endpoint,
          40058,
          'a mini-program card needs a title, an image and a page',
        );
      }
      const v = miniProgramTitleViolation(rule.miniProgramTitle as string);
      if (v) throw new WecomFatalError(endpoint, v.errcode, v.errmsg);
      if (!this.config.WECOM_MINIPROGRAM_APPID) {
        throw new WecomConfigError(endpoint, null, 'WECOM_MINIPROGRAM_APPID is not set');
      }
    }
    const [imageId, coverId] = await Promise.all([
      filled(rule.img) ? this.media.mediaIdForImageUrl(rule.img) : null,
      hasCard ? this.media.mediaIdForImageUrl(rule.miniProgramImg as string) : null,
    ]);
    const attachments: WecomAttachment[] = [];
    if (imageId) attachments.push(imageAttachment(imageId));
    if (coverId) {
      attachments.push(
        miniProgramAttachment({
          title: rule.miniProgramTitle as string,
          picMediaId: coverId,
          appid: this.config.WECOM_MINIPROGRAM_APPID,
          page: rule.miniProgramUrl as string,
        }),
      );
    }
    return attachments;
  }
}
