import type { ZodError } from 'zod';
import { InputError, type FieldIssue } from './domain-errors';

/** Turns a zod failure into an `InputError` that names every offending field. */
export function inputErrorFromZod(error: ZodError, what: string): InputError {
  const issues: FieldIssue[] = error.issues.map((issue) => ({
    path: issue.path.length > 0 ? issue.path.join('.') : '(body)',
    message: issue.message,
  }));
  const first = issues[0];
  const summary = first ? `${first.path}: ${first.message}` : 'invalid';
  return new InputError(`Invalid ${what}: ${summary}`, issues);
}
