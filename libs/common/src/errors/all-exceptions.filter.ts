import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Response } from 'express';
import { AppException } from './app.exception';
import { ERROR_HTTP_STATUS, ErrorBody, ErrorCode } from './error-code';

const STATUS_CODES: Record<number, ErrorCode> = {
  400: ErrorCode.VALIDATION_FAILED,
  401: ErrorCode.UNAUTHORIZED,
  403: ErrorCode.FORBIDDEN,
  404: ErrorCode.ROUTE_NOT_FOUND,
  405: ErrorCode.METHOD_NOT_ALLOWED,
  413: ErrorCode.PAYLOAD_TOO_LARGE,
  415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
  429: ErrorCode.RATE_LIMITED,
  503: ErrorCode.SERVICE_UNAVAILABLE,
};

/**
 * Body-parser style errors (http-errors) carry a `status`, `expose` and usually a `type`;
 * map them before anything else.
 */
interface ParserError {
  type?: string;
  status?: number;
  expose?: boolean;
}

/**
 * Turns every error into the `{success:false, error:{code,message,details}}` envelope.
 * Unknown errors become a 500 with an error id that is logged with the stack;
 * the client never sees a stack trace or SQL text.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const { status, body } = this.toBody(exception);
    if (res.headersSent) return;
    res.status(status).json(body);
  }

  toBody(exception: unknown): { status: number; body: ErrorBody } {
    if (exception instanceof AppException) {
      return this.envelope(exception.code, exception.message, exception.details);
    }
    const parser = exception as ParserError;
    if (
      parser &&
      typeof parser === 'object' &&
      (typeof parser.type === 'string' || parser.expose === true)
    ) {
      if (parser.type === 'entity.too.large') {
        return this.envelope(ErrorCode.PAYLOAD_TOO_LARGE, '请求体过大', [
          { field: 'body', message: 'request body exceeds the size limit' },
        ]);
      }
      if (parser.type === 'entity.parse.failed') {
        return this.envelope(ErrorCode.MALFORMED_JSON, '请求体不是合法的 JSON', [
          { field: 'body', message: 'malformed JSON' },
        ]);
      }
      if (parser.status === 415) {
        return this.envelope(ErrorCode.UNSUPPORTED_MEDIA_TYPE, '请求体编码不受支持', [
          { field: 'Content-Type', message: parser.type ?? 'unsupported' },
        ]);
      }
      if (parser.status && parser.status >= 400 && parser.status < 500) {
        return this.envelope(ErrorCode.VALIDATION_FAILED, '请求无法解析', [
          { field: 'body', message: parser.type ?? 'the body could not be read' },
        ]);
      }
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const code = STATUS_CODES[status];
      if (code) {
        return {
          status,
          body: {
            success: false,
            error: { code, message: this.httpMessage(exception), details: [] },
          },
        };
      }
    }
    const errorId = randomUUID();
    this.logger.error(
      { errorId, err: exception instanceof Error ? exception : String(exception) },
      'unhandled error',
    );
    return {
      status: 500,
      body: {
        success: false,
        error: { code: ErrorCode.INTERNAL_ERROR, message: '服务器内部错误', details: [], errorId },
      },
    };
  }

  private envelope(code: ErrorCode, message: string, details: ErrorBody['error']['details']) {
    return {
      status: ERROR_HTTP_STATUS[code],
      body: { success: false as const, error: { code, message, details } },
    };
  }

  private httpMessage(e: HttpException): string {
    const r = e.getResponse();
    if (typeof r === 'string') return r;
    const m = (r as { message?: unknown }).message;
    return typeof m === 'string' ? m : e.message;
  }
}
