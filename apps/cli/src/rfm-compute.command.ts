import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppConfigModule } from '@app/common';
import { DatabaseModule } from '@app/database';
import { RfmService } from '@app/audience';

@Module({ imports: [AppConfigModule, DatabaseModule], providers: [RfmService] })
class RfmComputeModule {}

/**
 * `rfm:compute [--at ISO-instant]` (docs/AUDIENCE.md "Value tiers"): the worker's nightly RFM
 * computation, now (or as of `--at`, e.g. for a generated data set), in this process; prints
 * the customers per tier.
 */
export async function rfmComputeCommand(args: string[]): Promise<void> {
  const i = args.indexOf('--at');
  const at = i >= 0 ? new Date(args[i + 1]) : new Date();
  if (Number.isNaN(at.getTime())) throw new Error('usage: rfm:compute [--at ISO-instant]');
  const app = await NestFactory.createApplicationContext(RfmComputeModule, { logger: ['error'] });
  try {
    const started = Date.now();
    const result = await app.get(RfmService).compute(at);
    console.log(
      [
        `RFM tiers as of ${result.computedAt}: ${result.customers} customers scored`,
        ...Object.entries(result.tiers).map(([tier, n]) => `  ${tier}: ${n}`),
        `seconds: ${((Date.now() - started) / 1000).toFixed(1)}`,
      ].join('\n'),
    );
  } finally {
    await app.close();
  }
}
