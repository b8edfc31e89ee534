import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { HttpService } from '@nestjs/axios';
import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { AxiosRequestConfig, AxiosResponse, isAxiosError } from 'axios';
import { endpointPath, WecomEndpoint } from './wecom-endpoints';
import { errorForTransport, transportFailureOf } from './wecom-error-policy';
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

/**
 * One HTTP exchange with WeCom (through WECOM_API_BASE): returns WeCom's answer whatever its
 * errcode, and turns every transport failure into a classed WecomError. Axios errors are not
 * passed on: their request config holds the token or the secret.
 */
@Injectable()
export class WecomTransport implements OnModuleDestroy {
  private readonly httpAgent = new HttpAgent({ keepAlive: true });
  private readonly httpsAgent = new HttpsAgent({ keepAlive: true });

  constructor(private readonly http: HttpService) {}

  async send<T extends WecomAnswer>(
    endpoint: WecomEndpoint,
    config: AxiosRequestConfig,
    secrets: readonly string[],
  ): Promise<T> {
    let res: AxiosResponse<unknown>;
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
      throw errorForTransport(endpoint, transportFailureOf(isAxiosError(e) ? e.code : undefined));
    }
    if (isAnswer(res.data)) {
      return { ...res.data, errmsg: scrub(String(res.data.errmsg ?? ''), secrets) } as T;
    }
    if (res.status >= 200 && res.status < 300) {
      throw errorForTransport(endpoint, { kind: 'unreadable' });
    }
    throw errorForTransport(endpoint, { kind: 'http', status: res.status });
  }

  onModuleDestroy(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
