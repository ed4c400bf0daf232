import type { Principal, ServiceCaller } from '@libs/auth/principal';
import { SecretBox } from '@libs/crypto';
import { ConflictException, ValidationException } from '@libs/errors';
import { CallHandler, ExecutionContext, Injectable, NestInterceptor, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { createHash } from 'node:crypto';
import { from, Observable, of } from 'rxjs';
import { catchError, mergeMap } from 'rxjs/operators';
import { IdempotencyKeyReusedException } from './idempotency.errors';
import { IdempotencyRepository } from './idempotency.repository';

export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;
const WAIT_STEP_MS = 50;
const WAIT_MAX_MS = 15_000;
export const NO_IDEMPOTENCY_METADATA = 'agentcy:no-idempotency';

/** Opts a POST route out (streams, whose response cannot be replayed). */
export const NoIdempotency = () => SetMetadata(NO_IDEMPOTENCY_METADATA, true);

function stableStringify(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map(stableStringify).join(',')}]`;
  }
  if (value && typeof value === 'object') {
    return `{${Object.keys(value as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableStringify((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `Idempotency-Key` on POST: the first request claims a PostgreSQL row (primary key on the
 * scope hash, so concurrent requests race on one insert), runs, and stores status + body
 * (sealed with SecretBox: API keys, invite tokens and other one-time secrets are in such bodies).
 * A replay with the same body gets the stored response; a different body is 409 `idempotency_key_reused`.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly repo: IdempotencyRepository,
    private readonly reflector: Reflector,
    private readonly box: SecretBox,
  ) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (ctx.getType() !== 'http') {
      return next.handle();
    }
    const req = ctx.switchToHttp().getRequest<Request & { principal?: Principal; caller?: ServiceCaller }>();
    const res = ctx.switchToHttp().getResponse<Response>();
    const key = req.header('idempotency-key');
    if (
      req.method !== 'POST' ||
      !key ||
      this.reflector.getAllAndOverride<boolean>(NO_IDEMPOTENCY_METADATA, [ctx.getHandler(), ctx.getClass()])
    ) {
      return next.handle();
    }
    if (key.length > 255) {
      throw new ValidationException('Idempotency-Key is too long (max 255)');
    }
    const principal = req.principal
      ? `${req.principal.orgId}:${req.principal.apiKeyId ?? req.principal.userId}`
      : req.caller
        ? `${req.caller.kind}:${req.caller.subject}`
        : `anon:${req.ip}`;
    const route = `${req.method} ${req.baseUrl ?? ''}${req.route?.path ?? req.path}`;
    const scopeHash = createHash('sha256').update(`${principal}\0${route}\0${key}`).digest('hex');
    // keyed: the stored fingerprint of a body holding a password or secret cannot be brute-forced offline
    const bodyHash = this.box.mac(`${req.originalUrl}\0${stableStringify(req.body)}`);

    return from(this.acquire(scopeHash, { key, principal, route, bodyHash })).pipe(
      mergeMap((replay) => {
        if (replay) {
          res.status(replay.status).setHeader('Idempotent-Replayed', 'true');
          return of(replay.body);
        }
        return next.handle().pipe(
          mergeMap(async (body) => {
            await this.repo.complete(scopeHash, res.statusCode, body ?? null);
            return body;
          }),
          catchError(async (err) => {
            await this.repo.release(scopeHash);
            throw err;
          }),
        );
      }),
    );
  }

  private async acquire(
    scopeHash: string,
    row: { key: string; principal: string; route: string; bodyHash: string },
  ): Promise<{ status: number; body: unknown } | null> {
    const deadline = Date.now() + WAIT_MAX_MS;
    for (;;) {
      await this.repo.deleteExpired(scopeHash);
      if (await this.repo.claim({ scopeHash, ...row, expiresAt: new Date(Date.now() + IDEMPOTENCY_TTL_MS) })) {
        return null;
      }
      const existing = await this.repo.find(scopeHash);
      if (!existing) {
        continue;
      } // released or expired between the two statements
      if (existing.bodyHash !== row.bodyHash) {
        throw new IdempotencyKeyReusedException();
      }
      if (existing.state === 'completed') {
        return { status: existing.statusCode ?? 200, body: existing.response };
      }
      if (Date.now() > deadline) {
        throw new ConflictException(
          'A request with this Idempotency-Key is still in progress',
          undefined,
          'idempotency_in_progress',
        );
      }
      await sleep(WAIT_STEP_MS);
    }
  }
}
