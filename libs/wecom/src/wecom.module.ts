import { HttpModule } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@app/common';
import { ImageDownloadService } from './image-download.service';
import { WecomApiRateLimiter } from './wecom-api-rate-limiter';
import { WecomApi } from './wecom-api.service';
import { WecomAttachmentService } from './wecom-attachment.service';
import { WecomClient } from './wecom-client.service';
import { WecomContactsClient } from './wecom-contacts.client';
import { WecomMediaService } from './wecom-media.service';
import { WecomTokenService } from './wecom-token.service';
import { WecomTransport } from './wecom-transport.service';

/**
 * The WeCom client. Needs the global AppConfigModule and RedisModule; reaches WeCom (or the
 * simulator) only through WECOM_API_BASE.
 */
@Module({
  imports: [
    HttpModule.registerAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        baseURL: config.WECOM_API_BASE,
        timeout: config.WECOM_TIMEOUT_MS,
        maxRedirects: 0,
      }),
    }),
  ],
  providers: [
    WecomTransport,
    WecomTokenService,
    WecomApi,
    WecomClient,
    WecomApiRateLimiter,
    WecomContactsClient,
    ImageDownloadService,
    WecomMediaService,
    WecomAttachmentService,
  ],
  exports: [
    WecomClient,
    WecomContactsClient,
    WecomMediaService,
    WecomAttachmentService,
    WecomTokenService,
  ],
})
export class WecomModule {}
