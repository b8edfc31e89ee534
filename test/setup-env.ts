import { TEST_ADMIN_TOKENS, workerDbName, workerRedisPrefix } from './test-env';

// Each Jest worker gets its own database and Redis key prefix for this run.
const runId = process.env.WPP_TEST_RUN_ID ?? 'adhoc';
const worker = process.env.JEST_WORKER_ID ?? '1';
process.env.NODE_ENV = 'test';
process.env.DB_NAME = workerDbName(runId, worker);
process.env.REDIS_KEY_PREFIX = workerRedisPrefix(runId, worker);
process.env.ADMIN_TOKENS = TEST_ADMIN_TOKENS;
process.env.LOG_LEVEL = process.env.TEST_LOG_LEVEL ?? 'silent';
// Suites send hundreds of requests a minute as one operator; the rate-limit test sets its own.
process.env.THROTTLE_LIMIT = process.env.THROTTLE_LIMIT ?? '1000000';
// The suites create rules that fire at once and trigger large audiences; rule-approval.e2e-spec.ts
// turns approval and the trigger confirmation on.
process.env.RULE_APPROVAL = process.env.RULE_APPROVAL ?? 'off';
process.env.APPROVAL_CONFIRM_ABOVE = process.env.APPROVAL_CONFIRM_ABOVE ?? '0';
