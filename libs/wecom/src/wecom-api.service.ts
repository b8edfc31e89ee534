import { Injectable, Logger } from '@nestjs/common';
import { AxiosRequestConfig } from 'axios';
import { WecomEndpoint } from './wecom-endpoints';
import { errorForErrcode, TOKEN_ERRCODES } from './wecom-error-policy';
import {
  WecomAmbiguousError,
  WecomConfigError,
  WecomError,
  WecomRetryableError,
} from './wecom-errors';
import { WecomTokenService } from './wecom-token.service';
import { WecomTransport } from './wecom-transport.service';
import { WecomAnswer } from './wecom.types';

/**
 * A WeCom call with the access token: on 40014 / 42001 the token is dropped, fetched again
 * and the call replayed exactly once; any other non-zero errcode becomes a classed error.
 */
@Injectable()
export class WecomApi {
  private readonly logger = new Logger('WecomApi');

  constructor(
    private readonly tokens: WecomTokenService,
    private readonly transport: WecomTransport,
  ) {}

  /** `build` is called per attempt: a multipart body is a stream that can be sent only once. */
  async call<T extends WecomAnswer>(
    endpoint: WecomEndpoint,
    build: () => AxiosRequestConfig,
  ): Promise<T> {
    let token = await this.token(endpoint);
    let answer = await this.send<T>(endpoint, build, token);
    if (TOKEN_ERRCODES.has(answer.errcode)) {
      token = await this.token(endpoint, token);
      answer = await this.send<T>(endpoint, build, token);
    }
    if (answer.errcode === 0) return answer;
    const failList = (answer as { fail_list?: unknown }).fail_list;
    const error = errorForErrcode(
      endpoint,
      answer.errcode,
      answer.errmsg,
      Array.isArray(failList) ? (failList as string[]) : undefined,
    );
    if (error instanceof WecomConfigError) {
      this.logger.error(
        `${error.message}: a configuration problem (app permissions, trusted IPs, secret); not retried`,
      );
    }
    throw error;
  }

  /**
   * The access token (after dropping `refused`). Without one the request never leaves, so an
   * infrastructure error here — Redis unreachable during a failover, say — is retryable,
   * never the ambiguous "may have been sent" of a failure during the call.
   */
  private async token(endpoint: WecomEndpoint, refused?: string): Promise<string> {
    try {
      if (refused !== undefined) await this.tokens.invalidate(refused);
      return await this.tokens.getAccessToken();
    } catch (e) {
      // WeCom's answers to gettoken keep their class (a wrong secret is a config error), but a
      // gettoken that timed out is not ambiguous for this call: this request never left.
      if (e instanceof WecomError && !(e instanceof WecomAmbiguousError)) throw e;
      throw new WecomRetryableError(
        endpoint.name,
        null,
        `no access token (${e instanceof Error ? e.message : String(e)}); the request was not sent`,
        1_000,
      );
    }
  }

  private send<T extends WecomAnswer>(
    endpoint: WecomEndpoint,
    build: () => AxiosRequestConfig,
    token: string,
  ): Promise<T> {
    const config = build();
    return this.transport.send<T>(
      endpoint,
      { ...config, params: { ...config.params, access_token: token } },
      [token],
    );
  }
}
