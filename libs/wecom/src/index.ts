export * from './wecom.module';
export * from './wecom-client.service';
export * from './wecom-media.service';
export * from './wecom-attachment.service';
export * from './wecom-token.service';
export * from './wecom-errors';
export { ImageRejectedError } from './image-download.service';
export * from './wecom.types';
