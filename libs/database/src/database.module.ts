import { Injectable, Logger, Module, OnApplicationBootstrap } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@app/common';
import { buildDataSourceOptions } from './data-source.options';
import { assertNoPendingMigrations } from './migrate';

/** Every app refuses to start on a database with pending migrations. */
@Injectable()
class PendingMigrationsCheck implements OnApplicationBootstrap {
  private readonly logger = new Logger(PendingMigrationsCheck.name);

  constructor(private readonly dataSource: DataSource) {}

  async onApplicationBootstrap(): Promise<void> {
    try {
      await assertNoPendingMigrations(this.dataSource);
    } catch (e) {
      this.logger.error((e as Error).message);
      throw e;
    }
  }
}

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        ...buildDataSourceOptions(config),
        autoLoadEntities: true,
        retryAttempts: 3,
        retryDelay: 1000,
      }),
    }),
  ],
  providers: [PendingMigrationsCheck],
})
export class DatabaseModule {}
