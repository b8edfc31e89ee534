import { Global, Module } from '@nestjs/common';
import { MetricsRegistry } from './metrics.registry';

/**
 * The app's Prometheus registry, global so any lib's provider may register series on it
 * (injected `@Optional()` where an app may run without it). The apps list
 * {@link MetricsController} themselves: the api, and the worker when it has WORKER_PORT.
 */
@Global()
@Module({ providers: [MetricsRegistry], exports: [MetricsRegistry] })
export class MetricsModule {}
