export * from './wecom.module';
export * from './wecom-client.service';
export * from './wecom-media.service';
export * from './wecom-attachment.service';
export * from './wecom-token.service';
export * from './wecom-errors';
export { ImageRejectedError, IMAGE_DOWNLOAD } from './image-download.service';
export { WECOM_LIMITS, utf8Bytes, addMsgTemplateViolation } from './wecom-limits';
export * from './wecom.types';
