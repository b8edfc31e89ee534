#!/usr/bin/env node
/**
 * `npm start`: build, apply migrations (their own step, never inside an app's boot),
 * then run the api and one worker together in this terminal. Ctrl-C stops both.
 * Pass --no-build to reuse an existing dist/.
 */
const { spawnSync } = require('node:child_process');
const concurrently = require('concurrently');

function step(title, cmd, args) {
  console.log(`\n> ${title}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: process.env });
  if (r.status !== 0) {
    console.error(`\n${title} failed (exit ${r.status ?? r.signal}); nothing was started.`);
    process.exit(r.status ?? 1);
  }
}

if (!process.argv.includes('--no-build')) step('build', 'npm', ['run', '--silent', 'build']);
step('migrations', process.execPath, ['dist/apps/cli/main.js', 'migration:run']);

const port = process.env.PORT ?? '3000';
const url = `http://localhost:${port}`;
console.log(
  `\nStarting api and worker.\n` +
    `  admin console  ${url}/admin\n  API (OpenAPI)  ${url}/docs\n  queues         ${url}/queues\n` +
    `  health         ${url}/health\n` +
    (process.env.ADMIN_TOKENS
      ? ''
      : '  operator token dev-operator-token (development default; browser pages: any user, token as password)\n'),
);
const { result } = concurrently(
  [
    { name: 'api', command: `"${process.execPath}" dist/apps/api/main.js`, prefixColor: 'cyan' },
    { name: 'worker', command: `"${process.execPath}" dist/apps/worker/main.js`, prefixColor: 'magenta' },
  ],
  { killOthersOn: ['failure'], prefix: 'name', handleInput: false },
);
result.then(
  () => process.exit(0),
  () => process.exit(1),
);
