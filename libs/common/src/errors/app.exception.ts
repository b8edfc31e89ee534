import { ErrorCode, ErrorDetail } from './error-code';

/** A failure the client caused or must know about; the filter maps `code` to its HTTP status. */
export class AppException extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'AppException';
  }

  static validation(details: ErrorDetail[], message = '请求参数不合法'): AppException {
    return new AppException(ErrorCode.VALIDATION_FAILED, message, details);
  }

  static notFound(what: string, field = 'id'): AppException {
    return new AppException(ErrorCode.NOT_FOUND, `${what}不存在`, [
      { field, message: `${what.trim()} not found` },
    ]);
  }
}
