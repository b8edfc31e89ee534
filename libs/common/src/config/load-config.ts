import { AppConfig, configSchema } from './config.schema';

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/**
 * Parses the environment into the typed configuration. Every bad variable is
 * listed at once; values are never echoed back, since some are secrets.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const result = configSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map(
      (i) => `${i.path.join('.') || '(root)'}: ${i.message}`,
    );
    throw new ConfigValidationError(problems);
  }
  return result.data;
}

/** For an app's main(): print every bad variable and exit 1 instead of booting. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): AppConfig {
  try {
    return loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigValidationError) {
      console.error(e.message);
      process.exit(1);
    }
    throw e;
  }
}
