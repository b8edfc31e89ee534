import 'reflect-metadata';
import { loadConfigOrExit } from '@app/common';
import { runMigrations } from '@app/database';
import { genDataCommand } from './gen-data.command';
import { genDemoCommand } from './gen-demo.command';
import { importOrdersCommand } from './import-orders.command';
import { rfmComputeCommand } from './rfm-compute.command';
import { userCreateCommand } from './user-create.command';

/**
 * Operational commands that run as their own step, never inside an app's boot:
 *   migration:run   create the database if missing, apply pending migrations
 *   gen:data        fill the company tables with a deterministic benchmark data set
 *   gen:demo        re-create DB_NAME (a demo database) with the demo company of `npm run demo`
 *   import:orders   FILE [--dry-run]: an order file (CSV / XLSX) through the ingestion core
 *   user:create     --username U --password-stdin --role R: an account (the first admin)
 *   rfm:compute     [--at ISO]: the customers' RFM tiers now (the worker computes them nightly)
 */
const commands: Record<string, (args: string[]) => Promise<void>> = {
  'migration:run': async () => {
    const config = loadConfigOrExit();
    const applied = await runMigrations(config);
    console.log(
      applied.length
        ? `database ${config.DB_NAME}: applied ${applied.join(', ')}`
        : `database ${config.DB_NAME}: up to date`,
    );
  },
  'gen:data': (args) => genDataCommand(args, loadConfigOrExit()),
  'gen:demo': (args) => genDemoCommand(args, loadConfigOrExit()),
  'import:orders': async (args) => {
    loadConfigOrExit();
    const code = await importOrdersCommand(args);
    if (code !== 0) process.exit(code);
  },
  'rfm:compute': async (args) => {
    loadConfigOrExit();
    await rfmComputeCommand(args);
  },
  'user:create': async (args) => {
    loadConfigOrExit();
    await userCreateCommand(args);
  },
};

async function main(): Promise<void> {
  const [name, ...args] = process.argv.slice(2);
  const command = commands[name];
  if (!command) {
    console.error(`usage: cli <${Object.keys(commands).join('|')}> [args]`);
    process.exit(2);
  }
  await command(args);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  },
);
