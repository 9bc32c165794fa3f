// Bearer token check with a constant-time comparison (hashing first makes the lengths equal).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { HttpProblem } from '../problem.ts';

export function bearerAuth(token: string): RequestHandler {
  const expected = digest(token);
  return (req, _res, next) => {
    const header = req.get('authorization') ?? '';
    const presented = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
    if (presented && timingSafeEqual(digest(presented), expected)) return next();
    next(
      new HttpProblem(401, {
        type: 'unauthorized',
        detail: 'the admin API needs "Authorization: Bearer <LAB_ADMIN_TOKEN>"',
        headers: { 'WWW-Authenticate': 'Bearer realm="lab-admin"' },
      }),
    );
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
