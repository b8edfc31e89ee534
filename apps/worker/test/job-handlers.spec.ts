import { Injectable } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { Job } from 'bullmq';
import { JobName, QueueName, SendBatchPayload } from '@app/pipeline';
import { CallbackJobName, CallbackQueueName } from '@app/wecom-callbacks';
import { YouzanJobName, YouzanQueueName } from '@app/youzan';
import { ImportJobName, ImportQueueName } from '@app/ingest';
import { checkJobHandlers, JobHandlerDiscovery, OnJob } from '../src/processors/job-handlers';

const route = (
  name: JobName | CallbackJobName | YouzanJobName | ImportJobName,
  queue: QueueName | CallbackQueueName | YouzanQueueName | ImportQueueName,
  owner = `H.${name}`,
) => ({ name, queue, owner });
const COMPLETE = [
  route(JobName.SCAN, QueueName.SCHEDULE),
  route(JobName.COMPUTE_RFM, QueueName.SCHEDULE),
  route(JobName.FIRE_SLOT, QueueName.SLOT),
  route(JobName.SEND_BATCH, QueueName.BATCH),
  route(JobName.TRACK_DELIVERY, QueueName.DELIVERY),
  route(CallbackJobName.PROCESS_EVENT, CallbackQueueName.EVENTS),
  route(YouzanJobName.PULL_TRADES, YouzanQueueName.PULL),
  route(CallbackJobName.SYNC_CONTACTS, CallbackQueueName.CONTACTS),
  route(CallbackJobName.RECONCILE_CONTACTS, CallbackQueueName.CONTACTS),
  route(ImportJobName.RUN_ORDER_IMPORT, ImportQueueName.ORDER_IMPORTS),
];
const without = (name: JobName | CallbackJobName) => COMPLETE.filter((h) => h.name !== name);

describe('checkJobHandlers: the worker refuses to start unless every job has one handler on its queue', () => {
  it('accepts one handler per job, each on the queue that carries it', () => {
    expect(() => checkJobHandlers(COMPLETE)).not.toThrow();
  });

  it.each([
    ['a job without a handler', without(JobName.SEND_BATCH), [`job 'send-batch' has no handler`]],
    [
      'a job with two handlers',
      [...COMPLETE, route(JobName.SCAN, QueueName.SCHEDULE, 'Other.scan')],
      [`job 'scan' has 2 handlers (H.scan, Other.scan)`],
    ],
    [
      'a handler on a queue that does not carry its job',
      [...without(JobName.FIRE_SLOT), route(JobName.FIRE_SLOT, QueueName.BATCH)],
      [`job 'fire-slot' is handled on queue 'push-batch' (H.fire-slot) but travels on 'push-slot'`],
    ],
    [
      'a callback job without a handler',
      without(CallbackJobName.PROCESS_EVENT),
      [`job 'process-callback-event' has no handler`],
    ],
    [
      'a callback job on a pipeline queue',
      [
        ...without(CallbackJobName.PROCESS_EVENT),
        route(CallbackJobName.PROCESS_EVENT, QueueName.BATCH),
      ],
      [
        `job 'process-callback-event' is handled on queue 'push-batch' (H.process-callback-event) but travels on 'wecom-callback-events'`,
      ],
    ],
    [
      'several problems at once, every one listed',
      [...without(JobName.SCAN).filter((h) => h.name !== JobName.TRACK_DELIVERY)],
      [`job 'scan' has no handler`, `job 'track-delivery' has no handler`],
    ],
  ])('refuses %s', (_case, handlers, problems) => {
    let message = '';
    try {
      checkJobHandlers(handlers);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^job handlers are inconsistent: /);
    for (const p of problems) expect(message).toContain(p);
    expect(message.split('; ')).toHaveLength(problems.length);
  });
});

describe('JobHandlerDiscovery', () => {
  @Injectable()
  class Sender {
    readonly sent: number[] = [];

    @OnJob({ name: JobName.SEND_BATCH, queue: QueueName.BATCH })
    async send(job: Job<SendBatchPayload>): Promise<string> {
      this.sent.push(job.data.batchId);
      return 'sent';
    }

    notAHandler(): void {}
  }

  @Injectable()
  class Scanner {
    @OnJob({ name: JobName.SCAN, queue: QueueName.SCHEDULE })
    async scan(): Promise<void> {}
  }

  it("finds every @OnJob method of the app's providers, bound to its instance", async () => {
    const ref = await Test.createTestingModule({
      imports: [DiscoveryModule],
      providers: [Sender, Scanner, JobHandlerDiscovery, { provide: 'plain', useValue: {} }],
    }).compile();
    const found = ref.get(JobHandlerDiscovery).discover();
    expect(found.map(({ name, queue, owner }) => ({ name, queue, owner }))).toEqual(
      expect.arrayContaining([
        { name: JobName.SEND_BATCH, queue: QueueName.BATCH, owner: 'Sender.send' },
        { name: JobName.SCAN, queue: QueueName.SCHEDULE, owner: 'Scanner.scan' },
      ]),
    );
    expect(found).toHaveLength(2);
    const send = found.find((h) => h.name === JobName.SEND_BATCH);
    expect(await send?.run({ data: { batchId: 7, runId: 1 } } as Job)).toBe('sent');
    expect(ref.get(Sender).sent).toEqual([7]);
    await ref.close();
  });
});
