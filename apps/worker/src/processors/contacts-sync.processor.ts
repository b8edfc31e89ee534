import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Job } from 'bullmq';
import { APP_CONFIG, AppConfig, AppException, BUSINESS_TZ } from '@app/common';
import {
  CallbackJobName,
  CallbackQueueName,
  CallbackQueues,
  CONTACTS_RECONCILE_SCHEDULER,
  ContactSyncService,
  ContactSyncView,
  SyncContactsPayload,
} from '@app/wecom-callbacks';
import { OnJob } from './job-handlers';

/** The contact sync and its nightly reconcile (docs/WECOM.md "Contact sync"). */
@Injectable()
export class ContactsSyncProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger('ContactsSync');

  constructor(
    private readonly sync: ContactSyncService,
    private readonly queues: CallbackQueues,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Every worker asserts the one scheduler (same id: upserted, never doubled). */
  async onApplicationBootstrap(): Promise<void> {
    const queue = this.queues.queue(CallbackQueueName.CONTACTS);
    const at = this.config.CONTACTS_RECONCILE_AT;
    if (!at) {
      await queue.removeJobScheduler(CONTACTS_RECONCILE_SCHEDULER);
      return;
    }
    const [hh, mm] = at.split(':').map(Number);
    await queue.upsertJobScheduler(
      CONTACTS_RECONCILE_SCHEDULER,
      { pattern: `${mm} ${hh} * * *`, tz: BUSINESS_TZ },
      { name: CallbackJobName.RECONCILE_CONTACTS, data: {} },
    );
  }

  @OnJob({ name: CallbackJobName.SYNC_CONTACTS, queue: CallbackQueueName.CONTACTS })
  async run(job: Job<SyncContactsPayload>): Promise<ContactSyncView | null> {
    try {
      return await this.sync.run(job.data.syncId);
    } catch (e) {
      if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) {
        await this.sync.fail(job.data.syncId, e instanceof Error ? e.message : String(e));
      }
      throw e;
    }
  }

  /** Records a nightly run (skipped while another sync runs) and runs it here. */
  @OnJob({ name: CallbackJobName.RECONCILE_CONTACTS, queue: CallbackQueueName.CONTACTS })
  async reconcile(): Promise<ContactSyncView | null> {
    try {
      const started = await this.sync.start('nightly');
      return started;
    } catch (e) {
      if (e instanceof AppException) {
        this.logger.warn('nightly reconcile skipped: a contact sync is running');
        return null;
      }
      throw e;
    }
  }
}
