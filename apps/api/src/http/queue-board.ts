import { INestApplication } from '@nestjs/common';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { PipelineQueues } from '@app/pipeline';
import { CallbackQueueName, CallbackQueues } from '@app/wecom-callbacks';

export const QUEUE_BOARD_PATH = '/queues';

/**
 * Bull Board over every pipeline queue and the WeCom callback queue. Read-only: retrying or removing jobs by hand would
 * bypass the batch state machine (resend goes through /wechatpush/batch/resend). Job
 * payloads carry ids only, never tokens or secrets.
 */
export function queueBoardRouter(app: INestApplication) {
  const adapter = new ExpressAdapter();
  adapter.setBasePath(QUEUE_BOARD_PATH);
  createBullBoard({
    queues: [
      ...app.get(PipelineQueues).all(),
      ...Object.values(CallbackQueueName).map((name) => app.get(CallbackQueues).queue(name)),
    ].map((q) => new BullMQAdapter(q, { readOnlyMode: true })),
    serverAdapter: adapter,
  });
  return adapter.getRouter();
}
