/**
 * The one exception hierarchy. Services throw these; the global filter turns them into
 * `{ error: { code, message, details } }` with the status they carry.
 */
export type ErrorDetails = Record<string, unknown>;

export class AppException extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: ErrorDetails,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationException extends AppException {
  constructor(message = 'Request validation failed', details?: ErrorDetails, code = 'validation_failed') {
    super(400, code, message, details);
  }
}

export class UnauthorizedException extends AppException {
  constructor(message = 'Missing or invalid credentials', details?: ErrorDetails, code = 'unauthorized') {
    super(401, code, message, details);
  }
}

export class ForbiddenException extends AppException {
  constructor(message = 'You are not allowed to do this', details?: ErrorDetails, code = 'forbidden') {
    super(403, code, message, details);
  }
}

export class NotFoundException extends AppException {
  constructor(what = 'Resource', details?: ErrorDetails, code = 'not_found') {
    super(404, code, `${what} not found`, details);
  }
}

export class FeatureDisabledException extends AppException {
  constructor(feature: string) {
    super(404, 'feature_disabled', `Feature "${feature}" is disabled`, { feature });
  }
}

export class ConflictException extends AppException {
  constructor(message: string, details?: ErrorDetails, code = 'conflict') {
    super(409, code, message, details);
  }
}

export class UnprocessableException extends AppException {
  constructor(code: string, message: string, details?: ErrorDetails) {
    super(422, code, message, details);
  }
}

export class RateLimitedException extends AppException {
  constructor(retryAfterSecs: number, code = 'rate_limited') {
    super(
      429,
      code,
      'Too many requests',
      { retry_after_secs: retryAfterSecs },
      { 'Retry-After': String(retryAfterSecs) },
    );
  }
}

export class ServiceUnavailableException extends AppException {
  constructor(message: string, details?: ErrorDetails, code = 'service_unavailable') {
    super(503, code, message, details);
  }
}
