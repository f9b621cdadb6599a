import type { ZodType, ZodTypeDef } from 'zod';
import { InputError, inputErrorFromZod, isUuid } from '@eucora/core';

/** Parses `value` with `schema`; a failure is a 400 whose `errors[].path` are the schema's field paths, titled `Invalid <what>`. */
export function parseOr400<T>(schema: ZodType<T, ZodTypeDef, unknown>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw inputErrorFromZod(parsed.error, what);
  return parsed.data;
}

/** A path parameter that must be a UUID; otherwise a 400 `Invalid <what> id` at `path` (default `id`). */
export function uuidParam(value: unknown, what: string, path = 'id'): string {
  const id = String(value);
  if (!isUuid(id)) throw new InputError(`Invalid ${what} id`, [{ path, message: 'must be a UUID' }]);
  return id;
}
