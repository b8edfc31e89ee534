import { ImageAttachment, MiniProgramAttachment } from './wecom.types';

export function imageAttachment(mediaId: string): ImageAttachment {
  return { msgtype: 'image', image: { media_id: mediaId } };
}

export function miniProgramAttachment(card: {
  title: string;
  picMediaId: string;
  appid: string;
  page: string;
}): MiniProgramAttachment {
  return {
    msgtype: 'miniprogram',
    miniprogram: {
      title: card.title,
      pic_media_id: card.picMediaId,
      appid: card.appid,
      page: card.page,
    },
  };
}
