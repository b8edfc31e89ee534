import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The Prometheus registry of one app instance (api or worker): Node's default process
 * metrics plus whatever the libs register. One per Nest app, not prom-client's global one,
 * so several apps in one process (the tests) never collide. `counter` / `gauge` /
 * `histogram` return the metric already registered under a name, so a provider created
 * twice registers once.
 */
@Injectable()
export class MetricsRegistry {
  readonly registry = new Registry();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  counter<L extends string>(cfg: { name: string; help: string; labelNames?: readonly L[] }) {
    return (
      this.existing<Counter<L>>(cfg.name) ?? new Counter<L>({ ...cfg, registers: [this.registry] })
    );
  }

  gauge<L extends string>(cfg: {
    name: string;
    help: string;
    labelNames?: readonly L[];
    collect?: (this: Gauge<L>) => void | Promise<void>;
  }) {
    return (
      this.existing<Gauge<L>>(cfg.name) ?? new Gauge<L>({ ...cfg, registers: [this.registry] })
    );
  }

  histogram<L extends string>(cfg: {
    name: string;
    help: string;
    labelNames?: readonly L[];
    buckets: number[];
  }) {
    return (
      this.existing<Histogram<L>>(cfg.name) ??
      new Histogram<L>({ ...cfg, registers: [this.registry] })
    );
  }

  /** The exposition text (Prometheus text format 0.0.4). */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private existing<M>(name: string): M | undefined {
    return this.registry.getSingleMetric(name) as M | undefined;
  }
}
