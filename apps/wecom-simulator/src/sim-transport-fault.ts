import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import { Response } from 'express';

/** A fault that is not a WeCom answer: an empty 503, or a connection reset. */
export class SimTransportFault extends Error {
  constructor(readonly kind: 'http503' | 'reset') {
    super(kind);
  }
}

@Catch(SimTransportFault)
export class SimTransportFaultFilter implements ExceptionFilter {
  catch(fault: SimTransportFault, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (fault.kind === 'http503') {
      res.status(503).end();
      return;
    }
    res.socket?.resetAndDestroy();
  }
}
