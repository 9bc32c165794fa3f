// RFC 9457 problem details: every error a service returns is `application/problem+json` with a stable shape.
import { STATUS_CODES } from 'node:http';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** One invalid input: `field` is the name as the client sent it, `in` where it was (body, query, path, header). */
export interface FieldError {
  field: string;
  in: InputLocation;
  detail: string;
}

export type InputLocation = 'body' | 'query' | 'path' | 'header';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export interface ProblemInit {
  /** Short problem slug, becomes the type URI `urn:lab:problem:<slug>`; omitted means `about:blank`. */
  type?: string;
  title?: string;
  detail?: string;
  errors?: FieldError[];
  /** Extra members (RFC 9457 extensions), e.g. `downstream`. */
  extensions?: Record<string, unknown>;
  /** Response headers to add, e.g. Retry-After. */
  headers?: Record<string, string>;
  /** For the service's logs only, never sent: what the client must not see (internal addresses). */
  internalDetail?: string;
}

/** An error that already knows the HTTP response it becomes. Throw it from any handler. */
export class HttpProblem extends Error {
  readonly status: number;
  readonly body: ProblemBody;
  readonly headers: Record<string, string>;
  readonly internalDetail: string | undefined;

  constructor(status: number, init: ProblemInit = {}) {
    const title = init.title ?? STATUS_CODES[status] ?? 'Error';
    super(init.detail ?? title);
    this.name = 'HttpProblem';
    this.status = status;
    this.headers = init.headers ?? {};
    this.internalDetail = init.internalDetail;
    this.body = {
      ...init.extensions,
      type: init.type ? `urn:lab:problem:${init.type}` : 'about:blank',
      title,
      status,
      ...(init.detail === undefined ? {} : { detail: init.detail }),
      ...(init.errors === undefined ? {} : { errors: init.errors }),
    };
  }
}

export function notFound(what: string, id: string): HttpProblem {
  return new HttpProblem(404, { type: 'not-found', title: `${what} not found`, detail: `${what} '${id}' does not exist` });
}

export function isProblemBody(value: unknown): value is ProblemBody {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate['status'] === 'number' && typeof candidate['title'] === 'string';
}
