// Small helpers shared by the server and client instrumentations: method normalization and host parsing.
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
