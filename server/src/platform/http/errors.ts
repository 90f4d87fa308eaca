import { HuashuError, type ErrorCode } from '@huashu/core';
import type { ErrorRequestHandler } from 'express';
import type { Logger } from '../logger.js';

interface BodyParserError {
  type?: string;
  status?: number;
  limit?: number;
}

const BODY_PARSER_CODES: Record<string, [ErrorCode, string]> = {
  'entity.parse.failed': ['invalid_json', 'request body is not valid JSON'],
  'entity.too.large': ['payload_too_large', 'request body is too large'],
  'encoding.unsupported': ['unsupported_media_type', 'request body encoding is not supported'],
  'charset.unsupported': ['unsupported_media_type', 'request body charset is not supported; send UTF-8'],
  'request.aborted': ['validation_failed', 'request was aborted by the client'],
};

/** Maps anything thrown to the `{ error }` shape; only unexpected faults become a logged, generic 500. */
export function toHuashuError(error: unknown): HuashuError | undefined {
  if (error instanceof HuashuError) return error;
  const parserError = error as BodyParserError;
  const known = parserError?.type ? BODY_PARSER_CODES[parserError.type] : undefined;
  if (known) {
    const [code, message] = known;
    const limit = parserError.limit ? ` (limit ${parserError.limit} bytes)` : '';
    return new HuashuError(code, code === 'payload_too_large' ? `${message}${limit}` : message);
  }
  return undefined;
}

export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const known = toHuashuError(error);
    if (!known) {
      logger.error({ err: error, method: req.method, path: req.path }, 'unhandled error');
    }
    const body = (known ?? new HuashuError('internal', 'internal server error')).toBody();
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(known?.status ?? 500).json(body);
  };
}
