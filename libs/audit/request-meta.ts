import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

/** The request facts services may need for audit entries, without handing them the request. */
export interface RequestMeta {
  ip: string | null;
  requestId: string | null;
  userAgent: string | null;
}

/** `::ffff:10.0.0.1` → `10.0.0.1`; the IP express resolved (trust proxy applies). */
export function clientIp(req: Request): string | null {
  const ip = req.ip ?? req.socket?.remoteAddress ?? null;
  if (!ip) {
    return null;
  }
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

export function requestMetaOf(req: Request & { id?: string }): RequestMeta {
  return { ip: clientIp(req), requestId: req.id ?? null, userAgent: req.header('user-agent') ?? null };
}

/** Handler parameter: `@ReqMeta() meta: RequestMeta`. */
export const ReqMeta = createParamDecorator((_: unknown, ctx: ExecutionContext): RequestMeta =>
  requestMetaOf(ctx.switchToHttp().getRequest()),
);
