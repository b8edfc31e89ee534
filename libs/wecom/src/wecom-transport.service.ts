import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { HttpService } from '@nestjs/axios';
import { Injectable, OnModuleDestroy, Optional } from '@nestjs/common';
import { AxiosRequestConfig, AxiosResponse, isAxiosError } from 'axios';
import { MetricsRegistry } from '@app/common';
import { endpointPath, WecomEndpoint } from './wecom-endpoints';
import { errorForTransport, TransportFailure, transportFailureOf } from './wecom-error-policy';
import { WecomAnswer } from './wecom.types';

function isAnswer(data: unknown): data is WecomAnswer {
  return (
    typeof data === 'object' && data !== null && typeof (data as WecomAnswer).errcode === 'number'
  );
}

/** Replaces every occurrence of the given secrets, so no text we keep can carry them. */
function scrub(text: string, secrets: readonly string[]): string {
  return secrets.reduce((t, s) => (s ? t.split(s).join('[redacted]') : t), text);
}

/** The `errcode` label of a call that got no WeCom answer. */
function failureLabel(f: TransportFailure): string {
  return f.kind === 'http' ? `http_${f.status}` : f.kind;
}

/** Counts and times every exchange by endpoint and errcode (`wpp_wecom_call*`). */
class CallMetrics {
  private readonly calls;
  private readonly seconds;

  constructor(metrics: MetricsRegistry) {
    this.calls = metrics.counter({
      name: 'wpp_wecom_calls_total',
      help: 'WeCom API calls by endpoint and errcode (transport failures: not-sent, no-answer, http_<status>, unreadable)',
      labelNames: ['endpoint', 'errcode'],
    });
    this.seconds = metrics.histogram({
      name: 'wpp_wecom_call_duration_seconds',
      help: 'WeCom API call latency by endpoint, whatever the outcome',
      labelNames: ['endpoint'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    });
  }

  record(endpoint: WecomEndpoint, errcode: string, startedAt: bigint): void {
    this.calls.inc({ endpoint: endpoint.name, errcode });
    const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
    this.seconds.observe({ endpoint: endpoint.name }, seconds);
  }
}

/**
 * One HTTP exchange with WeCom (through WECOM_API_BASE): returns WeCom's answer whatever its
 * errcode, and turns every transport failure into a classed WecomError. Axios errors are not
 * passed on: their request config holds the token or the secret.
 */
@Injectable()
export class WecomTransport implements OnModuleDestroy {
  private readonly httpAgent = new HttpAgent({ keepAlive: true });
  private readonly httpsAgent = new HttpsAgent({ keepAlive: true });

  private readonly metrics: CallMetrics | undefined;

  constructor(
    private readonly http: HttpService,
    @Optional() registry?: MetricsRegistry,
  ) {
    this.metrics = registry && new CallMetrics(registry);
  }

  async send<T extends WecomAnswer>(
    endpoint: WecomEndpoint,
    config: AxiosRequestConfig,
    secrets: readonly string[],
  ): Promise<T> {
    let res: AxiosResponse<unknown>;
    const startedAt = process.hrtime.bigint();
    try {
      res = await this.http.axiosRef.request({
        ...config,
        url: endpointPath(endpoint),
        method: endpoint.method,
        httpAgent: this.httpAgent,
        httpsAgent: this.httpsAgent,
        maxRedirects: 0,
        validateStatus: () => true,
      });
    } catch (e) {
      const failure = transportFailureOf(isAxiosError(e) ? e.code : undefined);
      this.metrics?.record(endpoint, failureLabel(failure), startedAt);
      throw errorForTransport(endpoint, failure);
    }
    if (isAnswer(res.data)) {
      this.metrics?.record(endpoint, String(res.data.errcode), startedAt);
      return { ...res.data, errmsg: scrub(String(res.data.errmsg ?? ''), secrets) } as T;
    }
    const failure: TransportFailure =
      res.status >= 200 && res.status < 300
        ? { kind: 'unreadable' }
        : { kind: 'http', status: res.status };
    this.metrics?.record(endpoint, failureLabel(failure), startedAt);
    throw errorForTransport(endpoint, failure);
  }

  onModuleDestroy(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
