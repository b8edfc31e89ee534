/**
 * Prints the audience of a rule as JSON: `print-audience <ruleJson> <atIso>`. The TZ test
 * runs it in child processes, since a process's time zone is fixed once it has started.
 */
import 'reflect-metadata';
import { collect, startAudience } from './audience-fixtures';

async function main(): Promise<void> {
  const [ruleJson, atIso] = process.argv.slice(2);
  const h = await startAudience();
  try {
    const batches = await collect(h.audience.select(JSON.parse(ruleJson), new Date(atIso)));
    process.stdout.write(
      JSON.stringify({
        offsetMinutes: new Date(2025, 0, 1).getTimezoneOffset(),
        ids: batches.flat(),
      }),
    );
  } finally {
    await h.close();
  }
}

void main();
