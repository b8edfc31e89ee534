import 'reflect-metadata';
import { parseYouzanSimEnv } from './youzan-sim-settings';
import { startYouzanSimulator } from './start-youzan-simulator';

async function main(): Promise<void> {
  let env;
  try {
    env = parseYouzanSimEnv();
  } catch (e) {
    console.error((e as Error).message);
    process.exit(1);
  }
  const sim = await startYouzanSimulator({
    port: env.port,
    host: env.host,
    settings: env.settings,
    logger: ['warn', 'error'],
  });
  console.log(
    `youzan-simulator listening on ${sim.url} (shop ${env.settings.kdtId}, ${env.settings.trades} trades); trades at ${sim.url}/__sim/orders`,
  );
  const stop = () => void sim.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

void main().catch((e: unknown) => {
  console.error(`youzan-simulator failed to start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
