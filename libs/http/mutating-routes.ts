import { AuditInterceptor } from '@libs/audit/audit.interceptor';
import { IdempotencyInterceptor, NO_IDEMPOTENCY_METADATA } from '@libs/idempotency/idempotency.interceptor';
import {
  applyDecorators,
  Delete as NestDelete,
  Patch as NestPatch,
  Post as NestPost,
  Put as NestPut,
} from '@nestjs/common';
import { INTERCEPTORS_METADATA } from '@nestjs/common/constants';

/** Outermost first: a replayed idempotent response never reaches the audit interceptor a second time. */
const MUTATION_INTERCEPTORS = [IdempotencyInterceptor, AuditInterceptor];

/**
 * Puts the idempotency and audit interceptors in front of the route's own ones. They sit on the
 * mutating routes only, not on every route as APP_INTERCEPTOR would: Nest builds an rxjs chain
 * with AsyncResource bindings per interceptor and request, which measured about 50 µs of CPU per
 * interceptor on every GET (docs/performance.md) for interceptors that return at once on a read.
 * The host module imports IdempotencyModule (the interceptor is created in the module of its route).
 */
function MutationInterceptors(): MethodDecorator {
  return (_target, _key, descriptor: PropertyDescriptor) => {
    const handler = descriptor.value as object;
    const own = (Reflect.getMetadata(INTERCEPTORS_METADATA, handler) as unknown[]) ?? [];
    // `@NoIdempotency()` below the route decorator is already set: the interceptor would only pass through
    const mutation = Reflect.getMetadata(NO_IDEMPOTENCY_METADATA, handler)
      ? MUTATION_INTERCEPTORS.filter((i) => i !== IdempotencyInterceptor)
      : MUTATION_INTERCEPTORS;
    Reflect.defineMetadata(INTERCEPTORS_METADATA, [...mutation, ...own], handler);
  };
}

/** The route decorators for state-changing routes: use these, not @nestjs/common's (lint enforces it). */
export const Post = (path?: string | string[]) => applyDecorators(NestPost(path), MutationInterceptors());
export const Put = (path?: string | string[]) => applyDecorators(NestPut(path), MutationInterceptors());
export const Patch = (path?: string | string[]) => applyDecorators(NestPatch(path), MutationInterceptors());
export const Delete = (path?: string | string[]) => applyDecorators(NestDelete(path), MutationInterceptors());
