import 'reflect-metadata';
import { parseSimulatorEnv, SimulatorEnvError } from './simulator-settings';
import { startSimulator } from './start-simulator';

async function main(): Promise<void> {
  let env;
  try {
    env = parseSimulatorEnv();
  } catch (e) {
    if (e instanceof SimulatorEnvError) {
      console.error(e.message);
      process.exit(1);
    }
    throw e;
  }
  const sim = await startSimulator({
    port: env.port,
    host: env.host,
    behaviour: env.behaviour,
    faults: env.faults,
    logger: ['warn', 'error'],
  });
  console.log(
    `wecom-simulator listening on ${sim.url} (corp ${env.behaviour.corpId}); ledger at ${sim.url}/__sim/messages`,
  );
  const stop = () => void sim.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

void main().catch((e: unknown) => {
  console.error(`wecom-simulator failed to start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
