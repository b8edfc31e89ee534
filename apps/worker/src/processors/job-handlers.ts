import { Injectable } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { Job } from 'bullmq';
import { JOB_QUEUE, JobName, JobPayloads, QueueName } from '@app/pipeline';
import {
  CALLBACK_JOB_QUEUE,
  CallbackJobName,
  CallbackJobPayloads,
  CallbackQueueName,
} from '@app/wecom-callbacks';
import { YOUZAN_JOB_QUEUE, YouzanJobName, YouzanJobPayloads, YouzanQueueName } from '@app/youzan';
import { IMPORT_JOB_QUEUE, ImportJobName, ImportJobPayloads, ImportQueueName } from '@app/ingest';

const ON_JOB = Symbol('on-job');

/** Every job this worker runs: the pipeline's contracts, the WeCom callbacks' and Youzan's. */
type AnyJobName = JobName | CallbackJobName | YouzanJobName | ImportJobName;
export type AnyQueueName = QueueName | CallbackQueueName | YouzanQueueName | ImportQueueName;
type AnyJobPayloads = JobPayloads & CallbackJobPayloads & YouzanJobPayloads & ImportJobPayloads;
const ALL_JOB_QUEUES: { [K in AnyJobName]: AnyQueueName } = {
  ...JOB_QUEUE,
  ...CALLBACK_JOB_QUEUE,
  ...YOUZAN_JOB_QUEUE,
  ...IMPORT_JOB_QUEUE,
};

interface JobRoute {
  name: AnyJobName;
  queue: AnyQueueName;
}

type HandlerMethod<K extends AnyJobName> = (
  job: Job<AnyJobPayloads[K]>,
  token?: string,
) => Promise<unknown>;

/**
 * Marks a provider's method as the handler of one job of the contracts; the payload type
 * follows from the job name. The queue is stated here too, so a handler whose queue does not
 * carry its job is caught at boot instead of never running.
 */
export function OnJob<K extends AnyJobName>(route: { name: K; queue: AnyQueueName }) {
  return <M extends HandlerMethod<K>>(
    _target: object,
    _key: string | symbol,
    descriptor: TypedPropertyDescriptor<M>,
  ): void => {
    Reflect.defineMetadata(ON_JOB, route, descriptor.value as object);
  };
}

/** A discovered `@OnJob` method, bound to its provider. */
export interface JobHandler extends JobRoute {
  /** `Class.method`, for messages. */
  owner: string;
  run(job: Job, token?: string): Promise<unknown>;
}

/** Every `@OnJob` method of every provider of the app. */
@Injectable()
export class JobHandlerDiscovery {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  discover(): JobHandler[] {
    const handlers: JobHandler[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      const prototype = Object.getPrototypeOf(instance) as object | null;
      for (const key of this.scanner.getAllMethodNames(prototype)) {
        const method = instance[key] as (job: Job, token?: string) => Promise<unknown>;
        const route = Reflect.getMetadata(ON_JOB, method) as JobRoute | undefined;
        if (!route) continue;
        handlers.push({
          ...route,
          owner: `${instance.constructor.name}.${key}`,
          run: method.bind(instance),
        });
      }
    }
    return handlers;
  }
}

/**
 * Refuses (throws, listing every problem) when a job of the contracts has no handler, has
 * two, or is handled on a queue that does not carry it — so a producer can never enqueue
 * work that nothing will run.
 */
export function checkJobHandlers(handlers: readonly (JobRoute & { owner: string })[]): void {
  const problems: string[] = [];
  for (const name of Object.keys(ALL_JOB_QUEUES) as AnyJobName[]) {
    const owners = handlers.filter((h) => h.name === name);
    if (owners.length === 0) problems.push(`job '${name}' has no handler`);
    if (owners.length > 1) {
      problems.push(
        `job '${name}' has ${owners.length} handlers (${owners.map((o) => o.owner).join(', ')})`,
      );
    }
    for (const o of owners) {
      if (o.queue !== ALL_JOB_QUEUES[name]) {
        problems.push(
          `job '${name}' is handled on queue '${o.queue}' (${o.owner}) but travels on '${ALL_JOB_QUEUES[name]}'`,
        );
      }
    }
  }
  if (problems.length) throw new Error(`job handlers are inconsistent: ${problems.join('; ')}`);
}
