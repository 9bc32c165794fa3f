// Default redaction in one pass over the logged object, copying only what it censors. pino's path-based redaction
// (fast-redact) with the wildcard paths this needs cost more than the rest of the log line (`pnpm bench`, log cost).
const SENSITIVE_KEYS = new Set(['authorization', 'cookie', 'set-cookie', 'password', 'token', 'secret']);
export const CENSOR = '[Redacted]';
/** Top level plus two levels down: `password`, `user.password`, `req.headers.authorization`. */
const NESTED_LEVELS = 2;

function isSensitive(key: string): boolean {
  return SENSITIVE_KEYS.has(key) || SENSITIVE_KEYS.has(key.toLowerCase());
}

/** Only plain objects are walked: a Buffer, a Map or a class instance is serialised by pino as it is. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function censor(object: Record<string, unknown>, levelsBelow: number): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const key in object) {
    const value = object[key];
    let replacement = value;
    if (isSensitive(key)) replacement = CENSOR;
    else if (levelsBelow > 0 && isPlainObject(value)) replacement = censor(value, levelsBelow - 1);
    if (replacement !== value) {
      copy ??= { ...object };
      copy[key] = replacement;
    }
  }
  return copy ?? object;
}

/**
 * The log object with authorization, cookie, set-cookie, password, token and secret values replaced by
 * `[Redacted]` at the top level and two levels down; the caller's object is never modified.
 */
export function redactSensitive(object: Record<string, unknown>): Record<string, unknown> {
  return censor(object, NESTED_LEVELS);
}
