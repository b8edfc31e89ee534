import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import Redis from 'ioredis';
import {
  APP_CONFIG,
  AppConfig,
  Clock,
  formatClockTime,
  formatDate,
  MetricsRegistry,
  REDIS_CLIENT,
  redisKey,
} from '@app/common';
import { Incident, IncidentKind, PipelineIncidents } from '@app/pipeline';
import { sendRobotMarkdown } from './robot-webhook';

/** How often each worker looks for new incidents. */
const ALERT_POLL_MS = 60_000;
/** How far back a poll looks (each incident is told once: its claim lives twice as long). */
const ALERT_LOOKBACK_MS = 60 * 60_000;
/** At most one message per kind per rule in this window; the rest are counted into the next one. */
const ALERT_REPEAT_MS = 10 * 60_000;

const TITLES: Record<IncidentKind, string> = {
  run_failed: '推送失败',
  run_missed: '推送时段错过（未发送）',
  batch_unknown: '批次结果未知（系统将核对企业微信群发记录）',
  order_data_stale: '订单数据过期，推送已跳过',
};

interface AlertPollReport {
  incidents: number;
  sent: number;
  suppressed: number;
  failed: number;
}

/**
 * The built-in notifier: every {@link ALERT_POLL_MS} each worker reads the incidents of the
 * last hour from MySQL (runs failed or with failed batches, runs missed, batches unknown,
 * slots skipped for stale order data) and
 * tells a WeCom group robot (ALERT_WECOM_WEBHOOK). Redis makes it once and quiet: an incident
 * is claimed with SET NX (one worker tells it, once), and one message per kind per rule per
 * {@link ALERT_REPEAT_MS} goes out — incidents within that window are counted and named in
 * the next message. A message the robot refused is given back and tried at the next poll.
 * Nothing is polled without the variable.
 */
@Injectable()
export class AlertNotifier implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AlertNotifier.name);
  private timer?: NodeJS.Timeout;
  private readonly sentCounter;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly clock: Clock,
    private readonly incidents: PipelineIncidents,
    metrics: MetricsRegistry,
  ) {
    this.sentCounter = metrics.counter({
      name: 'wpp_alert_notifications_total',
      help: 'Robot webhook notifications by incident kind and result (sent, suppressed, failed)',
      labelNames: ['kind', 'result'],
    });
  }

  onApplicationBootstrap(): void {
    if (!this.config.ALERT_WECOM_WEBHOOK) return;
    const tick = () =>
      void this.poll().catch((e: unknown) =>
        this.logger.warn(`alert poll failed: ${e instanceof Error ? e.message : String(e)}`),
      );
    this.timer = setInterval(tick, ALERT_POLL_MS);
    this.timer.unref();
    tick();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** One look for new incidents; what the timer runs (tests call it directly). */
  async poll(): Promise<AlertPollReport> {
    const webhook = this.config.ALERT_WECOM_WEBHOOK;
    const report: AlertPollReport = { incidents: 0, sent: 0, suppressed: 0, failed: 0 };
    if (!webhook) return report;
    const now = this.clock.now();
    const found = await this.incidents.since(new Date(now.getTime() - ALERT_LOOKBACK_MS));
    const groups = new Map<string, { claims: string[]; items: Incident[] }>();
    for (const i of found) {
      const claim = this.key('seen', i.kind, i.id, i.at.getTime());
      const won = await this.redis.set(claim, '1', 'PX', 2 * ALERT_LOOKBACK_MS, 'NX');
      if (!won) continue;
      report.incidents++;
      const group = `${i.kind}:${i.ruleId}`;
      const g = groups.get(group) ?? { claims: [], items: [] };
      g.claims.push(claim);
      g.items.push(i);
      groups.set(group, g);
    }
    for (const [group, { claims, items }] of groups) {
      const kind = items[0].kind;
      const rate = this.key('rate', group);
      const held = this.key('held', group);
      if (!(await this.redis.set(rate, '1', 'PX', ALERT_REPEAT_MS, 'NX'))) {
        await this.redis.multi().incrby(held, items.length).pexpire(held, 86_400_000).exec();
        this.sentCounter.inc({ kind, result: 'suppressed' }, items.length);
        report.suppressed += items.length;
        continue;
      }
      const heldBefore = Number((await this.redis.getdel(held)) ?? 0);
      try {
        await sendRobotMarkdown(webhook, this.message(items, heldBefore));
        this.sentCounter.inc({ kind, result: 'sent' });
        report.sent++;
        this.logger.log({
          msg: 'alert sent',
          kind,
          ruleId: items[0].ruleId,
          incidents: items.length,
        });
      } catch (e) {
        // Given back: the next poll claims these incidents again and retries.
        await this.redis.del(rate, ...claims);
        if (heldBefore > 0) await this.redis.incrby(held, heldBefore);
        this.sentCounter.inc({ kind, result: 'failed' });
        report.failed++;
        this.logger.warn(`alert not sent: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    return report;
  }

  private message(items: Incident[], heldBefore: number): string {
    const first = items[0];
    const lines = [
      `**【企微推送告警】${TITLES[first.kind]}**`,
      `> 规则：${first.ruleName}（#${first.ruleId}）`,
    ];
    for (const i of items.slice(0, 10)) {
      const slot = `${formatDate(i.slotAt)} ${formatClockTime(i.slotAt)}`;
      const what =
        i.kind === 'batch_unknown' ? `批次 #${i.id}（运行 #${i.runId}）` : `运行 #${i.runId}`;
      lines.push(`> ${what} · 时段 ${slot}${i.detail ? ` · ${i.detail.slice(0, 200)}` : ''}`);
    }
    if (items.length > 10) lines.push(`> 另有 ${items.length - 10} 条`);
    if (heldBefore > 0) {
      lines.push(
        `> 上一条告警后又有 ${heldBefore} 条同类事件（${ALERT_REPEAT_MS / 60_000} 分钟内只发一条）`,
      );
    }
    return lines.join('\n');
  }

  private key(...parts: (string | number)[]): string {
    return redisKey(this.config, 'alerts', ...parts);
  }
}
