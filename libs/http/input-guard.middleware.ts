import { ValidationException } from '@libs/errors';
import type { NextFunction, Request, Response } from 'express';
import { findUnsafeText, UnsafeText, unsafeTextReason } from './unsafe-text';

const MESSAGES: Record<UnsafeText['reason'], string> = {
  nul_character: 'must not contain NUL characters',
  lone_surrogate: 'must not contain unpaired UTF-16 surrogates',
};

function refuse(location: 'path' | 'query' | 'body', found: UnsafeText): ValidationException {
  const field = found.path.replace(/^\$\.?/, '') || location;
  return new ValidationException(`${location} ${field}: ${MESSAGES[found.reason]}`, {
    location,
    path: found.path,
    reason: found.reason,
    fields: [{ field, errors: [MESSAGES[found.reason]] }],
  });
}

function checkPath(rawPath: string): ValidationException | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return new ValidationException('The request path is not valid percent-encoded UTF-8', {
      location: 'path',
      reason: 'malformed_encoding',
    });
  }
  const reason = unsafeTextReason(decoded);
  return reason ? refuse('path', { path: '$', reason }) : null;
}

function checkValue(location: 'query' | 'body', value: unknown): ValidationException | null {
  if (!value || typeof value !== 'object' || Buffer.isBuffer(value)) {
    return null; // raw bodies (Buffers) are the route's own business
  }
  const found = findUnsafeText(value);
  return found ? refuse(location, found) : null;
}

/**
 * Refuses (400 `validation_failed`, JSON path in details) path segments, query values and parsed
 * JSON/form bodies holding strings PostgreSQL cannot store: NUL characters and lone surrogates.
 * Runs after the body parsers, before any guard, pipe or handler.
 */
export function inputGuard() {
  return (req: Request, _res: Response, next: NextFunction) => {
    next(checkPath(req.path) ?? checkValue('query', req.query) ?? checkValue('body', req.body) ?? undefined);
  };
}
