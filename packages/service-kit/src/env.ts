// Reading service configuration from the environment, with errors that name the variable.

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** A TCP port from `name`, or `fallback` when unset; 0 asks the OS for a free port. */
export function portFromEnv(name: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  return integerFromEnv(name, fallback, { min: 0, max: 65535 }, env);
}

/** An integer within [min, max] from `name`, or `fallback` when unset. */
export function integerFromEnv(
  name: string,
  fallback: number,
  range: { min: number; max: number },
  env: NodeJS.ProcessEnv = process.env,
): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < range.min || value > range.max) {
    throw new ConfigError(`${name} must be an integer between ${range.min} and ${range.max}, got '${text}'`);
  }
  return value;
}

/** An http(s) base URL from `name`, or `fallback` when unset; trailing slashes are removed. */
export function urlFromEnv(name: string, fallback: string, env: NodeJS.ProcessEnv = process.env): string {
  const text = env[name] || fallback;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(`${name} must be an absolute http(s) URL, got '${text}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`${name} must use http or https, got '${url.protocol}'`);
  }
  return text.replace(/\/+$/, '');
}
