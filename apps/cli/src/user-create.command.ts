import { parseArgs } from 'node:util';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AccountsModule, AccountsService, Role, ROLES } from '@app/accounts';
import { AppConfigModule, AppException, ClockModule, RedisModule } from '@app/common';
import { DatabaseModule } from '@app/database';

@Module({ imports: [AppConfigModule, ClockModule, DatabaseModule, RedisModule, AccountsModule] })
class UserCreateModule {}

const USAGE =
  'usage: user:create --username U --password-stdin --role viewer|editor|approver|admin [--display-name N]';

/** The first line of standard input (the password; never an argument, which `ps` shows). */
async function readFirstLine(stdin: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/)[0];
}

/**
 * `user:create` (README "First admin"): creates an account, e.g. the first admin, which no
 * default provides. Prints the account's id; a refused password or a taken name exits 1 with
 * the reason.
 */
export async function userCreateCommand(
  args: string[],
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      username: { type: 'string' },
      'display-name': { type: 'string' },
      role: { type: 'string' },
      'password-stdin': { type: 'boolean' },
    },
  });
  const role = values.role as Role | undefined;
  if (!values.username || !values['password-stdin'] || !role || !ROLES.includes(role)) {
    throw new Error(USAGE);
  }
  const password = await readFirstLine(stdin);
  const app = await NestFactory.createApplicationContext(UserCreateModule, { logger: ['error'] });
  try {
    const account = await app
      .get(AccountsService)
      .create(
        { username: values.username, displayName: values['display-name'], password, role },
        null,
      );
    console.log(`account ${account.id}: ${account.username} (${account.role})`);
  } catch (e) {
    if (e instanceof AppException) {
      throw new Error(
        `${e.code}: ${e.details.map((d) => `${d.field} ${d.message}`).join('; ') || e.message}`,
      );
    }
    throw e;
  } finally {
    await app.close();
  }
}
