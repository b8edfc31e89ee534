import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppConfigModule } from '@app/common';
import { DatabaseModule } from '@app/database';
import { RfmService } from '@app/audience';

@Module({ imports: [AppConfigModule, DatabaseModule], providers: [RfmService] })
class RfmComputeModule {}

/**
 * `rfm:compute` (docs/AUDIENCE.md "Value tiers"): the worker's nightly RFM computation, now,
 * in this process; prints the customers per tier.
 */
export async function rfmComputeCommand(): Promise<void> {
  const app = await NestFactory.createApplicationContext(RfmComputeModule, { logger: ['error'] });
  try {
    const started = Date.now();
    const result = await app.get(RfmService).compute(new Date());
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
