import { randomBytes } from 'node:crypto';
import type { Config } from '@jest/types';
import { runMigrations } from '../libs/database/src/migrate';
import { dbSettings, workerDbName } from './test-env';

/** Creates and migrates one database per Jest worker, named after this run. */
export default async function globalSetup(globalConfig: Config.GlobalConfig): Promise<void> {
  const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  process.env.WPP_TEST_RUN_ID = runId;
  const workers = Math.max(1, globalConfig.maxWorkers);
  process.env.WPP_TEST_WORKERS = String(workers);
  for (let w = 1; w <= workers; w++) {
    await runMigrations(dbSettings(workerDbName(runId, w)));
  }
}
