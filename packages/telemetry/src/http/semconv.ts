// Small helpers shared by the server and client instrumentations: method normalization, host parsing, redaction of
// url.query / url.full, and the error.type values of our own.
/** error.type of a request whose connection closed before its response finished (the client went away). */
export const ABORTED = 'aborted';
/** error.type of the requests still running when the shutdown drain deadline closed their connections. */
export const SHUTDOWN_DEADLINE = 'shutdown_deadline';
/** error.type of the requests in flight when the process crashed (uncaught exception); the crashing one keeps it too. */
export const PROCESS_CRASH = 'process_crash';

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH', 'QUERY']);

/** Known methods as they are; anything else becomes `_OTHER` (cardinality guard, as the semconv says). */
export function normalizeMethod(method: string | undefined): string {
  const upper = method?.toUpperCase() ?? 'GET';
  return KNOWN_METHODS.has(upper) ? upper : '_OTHER';
}

/** Splits a Host header (`name:port`, `[v6]:port`) into address and port. */
export function parseHost(host: string | undefined, defaultPort: number): { address: string; port: number } {
  if (!host) return { address: '', port: defaultPort };
  const colon = host.lastIndexOf(':');
  // No port, or the colon belongs to a bracketed IPv6 address.
  if (colon === -1 || host.indexOf(']', colon) !== -1) return { address: host, port: defaultPort };
  const port = Number(host.slice(colon + 1));
  return { address: host.slice(0, colon), port: Number.isInteger(port) && port > 0 ? port : defaultPort };
}

export function pathOf(url: string | undefined): string {
  if (!url) return '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/** The query parameters whose values the HTTP semantic conventions say to redact (url.query, url.full). */
const SENSITIVE_QUERY_KEYS = new Set(['AWSAccessKeyId', 'Signature', 'sig', 'X-Goog-Signature']);
export const REDACTED = 'REDACTED';

/** `query` (without `?`) with the values of the sensitive parameters replaced by REDACTED; otherwise unchanged. */
export function redactQuery(query: string): string {
  // Fast path: most queries carry none of the keys, plainly or percent-encoded.
  if (!/AWSAccessKeyId|Signature|sig|%/.test(query)) return query;
  return query
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const key = equals === -1 ? pair : pair.slice(0, equals);
      return equals !== -1 && SENSITIVE_QUERY_KEYS.has(safeDecode(key)) ? `${key}=${REDACTED}` : pair;
    })
    .join('&');
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** url.full: credentials in the userinfo part and sensitive query values replaced by REDACTED. */
export function fullUrl(url: URL): string {
  const userinfo = url.username !== '' || url.password !== '' ? `${REDACTED}:${REDACTED}@` : '';
  const query = url.search === '' ? '' : `?${redactQuery(url.search.slice(1))}`;
  return `${url.protocol}//${userinfo}${url.host}${url.pathname}${query}`;
}
