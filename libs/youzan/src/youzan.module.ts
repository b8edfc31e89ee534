import { Module } from '@nestjs/common';
import { ClockModule } from '@app/common';
import { IngestModule } from '@app/ingest';
import { YouzanApi } from './youzan-api.service';
import { YouzanHttp } from './youzan-http';
import { YouzanPullService } from './youzan-pull.service';
import { YouzanPushService } from './youzan-push.service';
import { YouzanTokenService } from './youzan-token.service';
import { YouzanTradeStore } from './youzan-trade-store.service';

/**
 * The Youzan connector (docs/INGEST.md "Youzan"): the API client, the incremental pull and
 * the push messages, storing through the ingestion core. Needs the global AppConfigModule,
 * the DataSource and Redis. The worker adds YouzanQueuesModule and YouzanPullScheduler.
 */
@Module({
  imports: [ClockModule, IngestModule],
  providers: [
    YouzanHttp,
    YouzanTokenService,
    YouzanApi,
    YouzanTradeStore,
    YouzanPullService,
    YouzanPushService,
  ],
  exports: [YouzanApi, YouzanTokenService, YouzanPullService, YouzanPushService],
})
export class YouzanModule {}
