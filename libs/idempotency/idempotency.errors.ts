import { ConflictException } from '@libs/errors';

/** The same Idempotency-Key was sent with another request body (409, api-conventions.md §6). */
export class IdempotencyKeyReusedException extends ConflictException {
  constructor() {
    super('This Idempotency-Key was already used with a different request body', undefined, 'idempotency_key_reused');
  }
}
