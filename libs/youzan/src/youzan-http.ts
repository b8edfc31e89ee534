import { Inject, Injectable } from '@nestjs/common';
import axios, { AxiosInstance, isAxiosError } from 'axios';
import { APP_CONFIG, AppConfig } from '@app/common';
import { YouzanApiError } from './youzan-errors';

/**
 * One JSON POST to YOUZAN_API_URL: Youzan's answer whatever it says, or a retryable
 * YouzanApiError for a transport failure. Axios errors are not passed on: their config holds
 * the token or the secret.
 */
@Injectable()
export class YouzanHttp {
  private readonly client: AxiosInstance;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.client = axios.create({
      baseURL: config.YOUZAN_API_URL.replace(/\/+$/, ''),
      timeout: config.YOUZAN_TIMEOUT_MS,
      headers: { 'content-type': 'application/json' },
      // Every answer is read: Youzan's errors are in the body.
      validateStatus: () => true,
    });
  }

  async post<T>(
    api: string,
    path: string,
    body: unknown,
    params?: Record<string, string>,
  ): Promise<T> {
    let status: number;
    let data: unknown;
    try {
      ({ status, data } = await this.client.post(path, body, { params }));
    } catch (e) {
      const what = isAxiosError(e) ? (e.code ?? 'network error') : 'request failed';
      throw new YouzanApiError(api, null, `no answer (${what})`, true);
    }
    if (status >= 500 || status === 429) {
      throw new YouzanApiError(api, `http_${status}`, 'Youzan is unavailable', true);
    }
    if (typeof data !== 'object' || data === null) {
      throw new YouzanApiError(api, `http_${status}`, 'the answer is not JSON', true);
    }
    return data as T;
  }
}
