import { AppConfig } from './app-config';
import { envSchema } from './config.schema';

/** Thrown when the environment is invalid; `message` is one line naming every bad variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Validates an environment. Empty strings count as unset, so `PORT=` falls back to its default
 * instead of failing as "not a number".
 */
export function loadConfig(source: Record<string, string | undefined>): AppConfig {
  const cleaned = Object.fromEntries(
    Object.entries(source).filter(([, v]) => v !== undefined && v.trim() !== ''),
  );
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? 'environment');
      const missing = issue.code === 'invalid_type' && cleaned[name] === undefined;
      return missing ? `${name} is required` : `${name}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  return new AppConfig(parsed.data);
}

/** The only reader of process.env in the service. */
export function loadConfigFromEnv(): AppConfig {
  return loadConfig(process.env);
}

/** For entry points: the configuration, or exit 1 with the one-line reason on stderr. */
export function loadConfigOrExit(): AppConfig {
  try {
    return loadConfigFromEnv();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}
