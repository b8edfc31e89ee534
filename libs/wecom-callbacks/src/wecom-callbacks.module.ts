import { Module } from '@nestjs/common';
import { ClockModule } from '@app/common';
import { IdentityModule } from '@app/identity';
import { WecomModule } from '@app/wecom';
import { CallbackQueuesModule } from './callback-queues';
import { CustomerContactsService } from './contacts/customer-contacts.service';
import { ContactSyncService } from './contacts/contact-sync.service';
import { FollowStore } from './contacts/follow-store';
import { ProcessCallbackEventService } from './process-callback-event.service';
import { ReceiveCallbackService } from './receive-callback.service';

/**
 * WeCom's change callbacks (docs/WECOM.md "Callbacks"): receiving (api) and processing
 * (worker); the contact sync and nightly reconcile, and the follow relations they keep. Needs the global AppConfigModule, the DataSource and Redis.
 */
@Module({
  imports: [ClockModule, CallbackQueuesModule, IdentityModule, WecomModule],
  providers: [
    ReceiveCallbackService,
    ProcessCallbackEventService,
    FollowStore,
    ContactSyncService,
    CustomerContactsService,
  ],
  exports: [
    ReceiveCallbackService,
    ProcessCallbackEventService,
    ContactSyncService,
    CustomerContactsService,
    CallbackQueuesModule,
  ],
})
export class WecomCallbacksModule {}
