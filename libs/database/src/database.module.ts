import { Injectable, Logger, Module, OnApplicationBootstrap } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@app/common';
import { buildDataSourceOptions } from './data-source.options';

/**
 * Refuses to start an app whose database lacks a migration: migrations run as their
 * own step (`npm run migration:run`), never inside a replica's boot.
 */
@Injectable()
export class PendingMigrationsCheck implements OnApplicationBootstrap {
  private readonly logger = new Logger(PendingMigrationsCheck.name);

  constructor(private readonly dataSource: DataSource) {}

  async onApplicationBootstrap(): Promise<void> {
    if (await this.dataSource.showMigrations()) {
      const msg = 'database has pending migrations: run `npm run migration:run` first';
      this.logger.error(msg);
      throw new Error(msg);
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
