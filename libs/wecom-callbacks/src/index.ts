export * from './wecom-callbacks.module';
export * from './receive-callback.service';
export * from './process-callback-event.service';
export * from './callback-queue.contracts';
export { CallbackQueues } from './callback-queues';
export { ContactSyncService, ContactSyncView, MatchRates } from './contacts/contact-sync.service';
export { ContactMetrics } from './contacts/contact-metrics';
export { CustomerContactsService } from './contacts/customer-contacts.service';
export type { CustomerContactsView } from './contacts/customer-contacts.service';
