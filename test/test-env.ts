/**
 * Names shared by global setup, per-worker setup and teardown. Relative imports only:
 * global setup runs outside Jest's module mapper.
 */
export const TEST_ADMIN_TOKENS = '1:test-token-operator-1,2:test-token-operator-2';
export const OPERATOR_1_TOKEN = 'test-token-operator-1';
export const OPERATOR_2_TOKEN = 'test-token-operator-2';

export function dbSettings(name: string) {
  return {
    DB_HOST: process.env.DB_HOST ?? '127.0.0.1',
    DB_PORT: Number(process.env.DB_PORT ?? 3306),
    DB_USER: process.env.DB_USER ?? 'root',
    DB_PASSWORD: process.env.DB_PASSWORD ?? '',
    DB_NAME: name,
  };
}

/** Database of one Jest worker in this run. */
export function workerDbName(runId: string, worker: string | number): string {
  return `wpp_test_${runId}_w${worker}`;
}

export function workerRedisPrefix(runId: string, worker: string | number): string {
  return `wpp_test_${runId}_w${worker}`;
}
