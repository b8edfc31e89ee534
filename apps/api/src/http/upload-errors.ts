import {
  BadRequestException,
  CallHandler,
  ExecutionContext,
  NestInterceptor,
  PayloadTooLargeException,
} from '@nestjs/common';
import { Observable } from 'rxjs';
import { AppException, ErrorCode } from '@app/common';

/**
 * Runs multer's interceptor for a single-file upload (multipart field `file`) and turns its own
 * errors — a file over `maxBytes`, a second file, a file under another field, a broken
 * multipart body — into the envelope naming `file` (Nest's plain HttpExceptions would reach
 * the client without the field). `tooLarge` is the message for the operator, e.g. 'CSV 文件过大'.
 */
export async function interceptUpload(
  multer: NestInterceptor,
  context: ExecutionContext,
  next: CallHandler,
  maxBytes: number,
  tooLarge: string,
): Promise<Observable<unknown>> {
  try {
    return await multer.intercept(context, next);
  } catch (e) {
    if (e instanceof PayloadTooLargeException) {
      throw new AppException(ErrorCode.PAYLOAD_TOO_LARGE, tooLarge, [
        { field: 'file', message: `the file must not exceed ${maxBytes} bytes` },
      ]);
    }
    if (e instanceof BadRequestException) {
      throw AppException.validation([{ field: 'file', message: e.message }]);
    }
    throw e;
  }
}
