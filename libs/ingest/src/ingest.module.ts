import { Module } from '@nestjs/common';
import { ClockModule } from '@app/common';
import { IdentityModule } from '@app/identity';
import { IngestOrdersService } from './core/ingest-orders.service';
import { LabelStore } from './core/label-store';
import { OrderFeedService } from './core/order-feed.service';
import { ImportQueuesModule } from './file-import/import-queues';
import { OrderImportRecords } from './file-import/order-import.records';
import { OrderImportRunner } from './file-import/order-import.runner';
import { OrderImportService } from './file-import/order-import.service';

/**
 * The ingestion core (docs/INGEST.md): `IngestOrdersService` and `OrderFeedService` for every
 * order source, and `OrderImportRunner`, which runs a recorded file import in-process (the
 * worker's job, the CLI). Needs the app's DatabaseModule; no Redis.
 */
@Module({
  imports: [ClockModule, IdentityModule],
  providers: [
    IngestOrdersService,
    LabelStore,
    OrderFeedService,
    OrderImportRecords,
    OrderImportRunner,
  ],
  exports: [IngestOrdersService, OrderFeedService, OrderImportRecords, OrderImportRunner],
})
export class IngestModule {}

/** The file import as the api offers it: uploads recorded and queued (needs Redis). */
@Module({
  imports: [IngestModule, ImportQueuesModule],
  providers: [OrderImportService],
  exports: [OrderImportService, ImportQueuesModule, IngestModule],
})
export class OrderImportModule {}
