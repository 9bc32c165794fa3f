// Matches fault rule keys ("*", "/path/:id", "METHOD /path", trailing "/*") against a request's method and path.

export interface RouteMatcher {
  readonly key: string;
  /** Higher wins when several rules match: "METHOD /path" 3, "/path" 2, "*" 1. */
  readonly specificity: number;
  matches(method: string, path: string): boolean;
}

export function compileRouteKey(key: string): RouteMatcher {
  if (key === '*') return { key, specificity: 1, matches: () => true };
  const space = key.indexOf(' ');
  const method = space === -1 ? undefined : key.slice(0, space);
  const pattern = pathPattern(space === -1 ? key : key.slice(space + 1));
  return {
    key,
    specificity: method === undefined ? 2 : 3,
    matches: (requestMethod, path) =>
      (method === undefined || method === requestMethod) && pattern.test(trimTrailingSlash(path)),
  };
}

function pathPattern(template: string): RegExp {
  const segments = trimTrailingSlash(template)
    .split('/')
    .map((segment) => {
      if (segment === '*') return '.*';
      if (segment.startsWith(':')) return '[^/]+';
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    });
  return new RegExp(`^${segments.join('/')}$`);
}

function trimTrailingSlash(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}
