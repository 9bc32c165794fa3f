// Schema validation of request input: a failure becomes a 400 problem that names every invalid field.
import type { z } from 'zod';
import { type FieldError, HttpProblem, type InputLocation } from './problem.ts';

export function validate<S extends z.ZodType>(schema: S, value: unknown, location: InputLocation): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors: FieldError[] = result.error.issues.map((issue) => ({
    field: issue.path.length > 0 ? issue.path.map(String).join('.') : location,
    in: location,
    detail: issue.message,
  }));
  const summary = errors.map((error) => `${error.in} field '${error.field}': ${error.detail}`).join('; ');
  throw new HttpProblem(400, { type: 'validation-error', title: 'Invalid request', detail: summary, errors });
}
