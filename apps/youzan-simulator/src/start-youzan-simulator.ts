import 'reflect-metadata';
import { AddressInfo } from 'node:net';
import { LoggerService, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { json } from 'express';
import { DEFAULT_YOUZAN_SIM, youzanSimSchema, YouzanSimSettings } from './youzan-sim-settings';
import { YouzanSimulatorModule } from './youzan-simulator.module';

export interface YouzanSimulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Defaults to 127.0.0.1; the standalone server binds 0.0.0.0. */
  host?: string;
  settings?: Partial<YouzanSimSettings>;
  logger?: LoggerService | LogLevel[] | false;
}

export interface RunningYouzanSimulator {
  /** Base URL to use as YOUZAN_API_URL. */
  url: string;
  port: number;
  settings: YouzanSimSettings;
  close(): Promise<void>;
}

/** Starts a Youzan simulator in this process (tests, benchmarks, the demo) or for main.ts. */
export async function startYouzanSimulator(
  options: YouzanSimulatorOptions = {},
): Promise<RunningYouzanSimulator> {
  const settings = youzanSimSchema.parse({ ...DEFAULT_YOUZAN_SIM, ...options.settings });
  const app = await NestFactory.create<NestExpressApplication>(
    YouzanSimulatorModule.forRoot(settings),
    { bodyParser: false, logger: options.logger ?? false, forceCloseConnections: true },
  );
  app.use(json({ limit: '8mb' }));
  const host = options.host ?? '127.0.0.1';
  await app.listen(options.port ?? 0, host);
  const server = app.getHttpServer();
  server.keepAliveTimeout = 65_000;
  const { port } = server.address() as AddressInfo;
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return { url: `http://${shown}:${port}`, port, settings, close: () => app.close() };
}
