import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import {
  isConflictError,
  isInputError,
  isNotAllowedError,
  isNotFoundError,
  isUnauthenticatedError,
  isUpstreamUnavailableError,
  type FieldIssue,
} from '@eucora/core';

/** RFC 9457 problem details, plus our correlation id and field errors. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  correlation_id?: string;
  errors?: FieldIssue[];
}

const TYPE_BASE = 'https://eucora.dev/problems/';

export function sendProblem(res: Response, problem: Omit<Problem, 'type'> & { type?: string }): void {
  const correlationId = res.locals.correlationId as string | undefined;
  res
    .status(problem.status)
    .type('application/problem+json')
    .json({ type: problem.type ?? 'about:blank', ...problem, correlation_id: correlationId });
}

/** Unknown route → 404 problem. */
export const notFoundHandler: RequestHandler = (req, res) => {
  sendProblem(res, {
    type: `${TYPE_BASE}not-found`,
    title: 'Not Found',
    status: 404,
    detail: `No route for ${req.method} ${req.path}`,
    instance: req.path,
  });
};

interface BodyParserError {
  type?: string;
  status?: number;
  limit?: number;
}

/**
 * The one error handler: domain errors and body-parser errors become problem+json; anything else is a 500 whose
 * details stay in the log. Only 5xx are logged, as errors.
 */
export function createErrorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const instance = req.path;
    if (isInputError(err)) {
      return sendProblem(res, {
        type: `${TYPE_BASE}invalid-input`,
        title: 'Invalid input',
        status: 400,
        detail: err.message,
        instance,
        errors: err.issues,
      });
    }
    if (isUnauthenticatedError(err)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="eucora"');
      return sendProblem(res, {
        type: `${TYPE_BASE}unauthenticated`,
        title: 'Unauthenticated',
        status: 401,
        detail: err.message,
        instance,
      });
    }
    if (isNotAllowedError(err)) {
      return sendProblem(res, { type: `${TYPE_BASE}forbidden`, title: 'Forbidden', status: 403, detail: err.message, instance });
    }
    if (isNotFoundError(err)) {
      return sendProblem(res, { type: `${TYPE_BASE}not-found`, title: 'Not Found', status: 404, detail: err.message, instance });
    }
    if (isConflictError(err)) {
      return sendProblem(res, { type: `${TYPE_BASE}conflict`, title: 'Conflict', status: 409, detail: err.message, instance });
    }
    if (isUpstreamUnavailableError(err)) {
      logger.error({ err, upstream: err.upstream, correlation_id: res.locals.correlationId }, 'upstream unavailable');
      if (err.retryAfterSeconds) res.setHeader('Retry-After', String(err.retryAfterSeconds));
      return sendProblem(res, {
        type: `${TYPE_BASE}unavailable`,
        title: 'Service Unavailable',
        status: 503,
        detail: `${err.upstream} is unavailable; retry later`,
        instance,
      });
    }
    const bp = err as BodyParserError;
    if (bp?.type === 'entity.parse.failed') {
      return sendProblem(res, {
        type: `${TYPE_BASE}malformed-json`,
        title: 'Malformed JSON',
        status: 400,
        detail: 'The request body is not valid JSON',
        instance,
      });
    }
    if (bp?.type === 'entity.too.large') {
      return sendProblem(res, {
        type: `${TYPE_BASE}payload-too-large`,
        title: 'Payload Too Large',
        status: 413,
        detail: `The request body exceeds ${bp.limit ?? 'the'} bytes`,
        instance,
      });
    }
    if (bp?.type === 'encoding.unsupported' || bp?.type === 'charset.unsupported') {
      return sendProblem(res, {
        type: `${TYPE_BASE}unsupported-encoding`,
        title: 'Unsupported Media Type',
        status: 415,
        detail: 'Unsupported body encoding or charset',
        instance,
      });
    }
    if (typeof bp?.status === 'number' && bp.status >= 400 && bp.status < 500) {
      return sendProblem(res, { title: 'Bad Request', status: bp.status, detail: 'The request could not be processed', instance });
    }
    logger.error({ err, correlation_id: res.locals.correlationId, path: req.path }, 'unhandled error');
    return sendProblem(res, {
      type: `${TYPE_BASE}internal`,
      title: 'Internal Server Error',
      status: 500,
      detail: 'An unexpected error occurred; quote the correlation id when reporting it',
      instance,
    });
  };
}
