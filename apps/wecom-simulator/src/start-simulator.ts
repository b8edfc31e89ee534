import 'reflect-metadata';
import { AddressInfo } from 'node:net';
import { LoggerService, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { json, NextFunction, Request, Response } from 'express';
import {
  behaviourSchema,
  DEFAULT_BEHAVIOUR,
  FaultSettings,
  faultSchema,
  NO_FAULTS,
  SimulatorBehaviour,
} from './simulator-settings';
import { SimulatorModule } from './simulator.module';
import { wecomError } from './wecom-errcodes';

export interface SimulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Defaults to 127.0.0.1; the standalone server binds 0.0.0.0. */
  host?: string;
  behaviour?: Partial<SimulatorBehaviour>;
  faults?: Partial<FaultSettings>;
  logger?: LoggerService | LogLevel[] | false;
}

export interface RunningSimulator {
  /** Base URL to use as WECOM_API_BASE. */
  url: string;
  port: number;
  behaviour: SimulatorBehaviour;
  close(): Promise<void>;
}

/** WeCom answers unparseable JSON with 40058 and a warning in errmsg, not with an HTTP error. */
function badJson(err: { type?: string }, _req: Request, res: Response, next: NextFunction) {
  if (err.type === 'entity.parse.failed' || err.type === 'entity.too.large') {
    const answer = wecomError(40058);
    res.status(200).json({ ...answer, errmsg: `${answer.errmsg}, Warning: wrong json format.` });
    return;
  }
  next(err);
}

/** Starts a simulator in this process (tests, benchmarks) or for main.ts. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const behaviour = behaviourSchema.parse({ ...DEFAULT_BEHAVIOUR, ...options.behaviour });
  const faults = faultSchema.parse({ ...NO_FAULTS, ...options.faults });
  const app = await NestFactory.create<NestExpressApplication>(
    SimulatorModule.forRoot({ behaviour, faults }),
    { bodyParser: false, logger: options.logger ?? false, forceCloseConnections: true },
  );
  app.use(json({ limit: '8mb', type: ['application/json', 'text/plain'] }));
  app.use(badJson);
  const host = options.host ?? '127.0.0.1';
  await app.listen(options.port ?? 0, host);
  const server = app.getHttpServer();
  // Outlive the clients' idle keep-alive sockets, so a reused socket is not closed under a request.
  server.keepAliveTimeout = 65_000;
  const { port } = server.address() as AddressInfo;
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return { url: `http://${shown}:${port}`, port, behaviour, close: () => app.close() };
}
