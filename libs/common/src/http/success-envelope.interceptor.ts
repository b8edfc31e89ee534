import {
  CallHandler,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { map, Observable } from 'rxjs';

const RAW_RESPONSE = 'wpp:rawResponse';
/** The handler's return value is sent as is (health, docs), not wrapped. */
export const RawResponse = () => SetMetadata(RAW_RESPONSE, true);

/** Wraps every handler result as `{success: true, data}`, the seed's response shape. */
@Injectable()
export class SuccessEnvelopeInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const raw = this.reflector.getAllAndOverride<boolean>(RAW_RESPONSE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (raw) return next.handle();
    return next.handle().pipe(map((data: unknown) => ({ success: true, data })));
  }
}
