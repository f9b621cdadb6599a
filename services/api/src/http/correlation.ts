import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';

const VALID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Takes `X-Correlation-Id` (when well-formed) or makes one, and echoes it on the response. */
export const correlationMiddleware: RequestHandler = (req, res, next) => {
  const incoming = req.header('x-correlation-id');
  const id = incoming && VALID.test(incoming) ? incoming : randomUUID();
  res.locals.correlationId = id;
  res.setHeader('X-Correlation-Id', id);
  next();
};
