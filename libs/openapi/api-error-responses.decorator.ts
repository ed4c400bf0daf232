import { ErrorEnvelope } from '@libs/errors/error-envelope';
import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';

/** Adds the error envelope for the statuses every route can answer with. */
export function ApiErrorResponses(opts: { auth?: boolean } = {}) {
  const statuses: [number, string][] = [
    [400, 'Validation error'],
    [404, 'Not found (or belongs to another org)'],
    [429, 'Rate limited'],
    [500, 'Internal error'],
  ];
  if (opts.auth) {
    statuses.push([401, 'Missing or invalid credentials'], [403, 'Forbidden']);
  }
  return applyDecorators(
    ...statuses.map(([status, description]) => ApiResponse({ status, description, type: ErrorEnvelope })),
  );
}
