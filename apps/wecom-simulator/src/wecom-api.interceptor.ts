import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Request } from 'express';
import { from, mergeMap, Observable, of, tap } from 'rxjs';
import { FaultInjector } from './fault-injector.service';
import { SimTransportFault } from './sim-transport-fault';
import { SimulatorState } from './simulator-state.service';
import { WecomAnswer, wecomError } from './wecom-errcodes';

/**
 * Around every /cgi-bin call: latency, the access_token check, injected faults before the
 * call (nothing done) and after it (done, but the caller never hears), and statistics.
 */
@Injectable()
export class WecomApiInterceptor implements NestInterceptor {
  constructor(
    private readonly state: SimulatorState,
    private readonly faults: FaultInjector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler<WecomAnswer>): Observable<WecomAnswer> {
    const req = context.switchToHttp().getRequest<Request>();
    const endpoint = req.path.replace(/^\/cgi-bin\//, '');
    this.state.countRequest(endpoint);
    if (this.faults.tokenRevocationDue()) this.state.revokeAllTokens(40014);
    const plan = this.faults.plan(endpoint);
    const count = (outcome: string | number) => this.state.countOutcome(endpoint, outcome);

    const call = (): Observable<WecomAnswer> => {
      const token = typeof req.query.access_token === 'string' ? req.query.access_token : '';
      if (endpoint !== 'gettoken') {
        const errcode = this.state.checkToken(token);
        if (errcode !== 0) return of(wecomError(errcode));
      }
      switch (plan.before) {
        case 'http5xx':
          count('http503');
          throw new SimTransportFault('http503');
        case 'busy':
          return of(wecomError(-1));
        case 'rateLimit':
          return of(wecomError(45009));
        case 'tokenInvalid':
          if (endpoint !== 'gettoken') {
            this.state.revokeToken(token, 40014);
            return of(wecomError(40014));
          }
          break;
        case 'lost':
          // Never carried out: held until the caller has given up, then the connection drops.
          count('lost');
          return from(this.faults.wait(this.faults.current.holdMs)).pipe(
            mergeMap(() => {
              throw new SimTransportFault('reset');
            }),
          );
      }
      return next.handle().pipe(
        mergeMap((answer) => {
          if (answer.errcode !== 0 || plan.after === null) return of(answer);
          if (plan.after === 'reset') {
            count('reset');
            throw new SimTransportFault('reset');
          }
          count('timeout');
          return from(this.faults.wait(this.faults.current.holdMs)).pipe(
            mergeMap(() => of(answer)),
          );
        }),
      );
    };

    return from(this.faults.wait(plan.delayMs)).pipe(
      mergeMap(call),
      tap((answer) => {
        if (plan.after === null || answer.errcode !== 0) count(answer.errcode);
      }),
    );
  }
}
