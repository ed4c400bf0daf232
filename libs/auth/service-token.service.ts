import { AppConfig } from '@libs/config';
import { UnauthorizedException } from '@libs/errors';
import { Injectable } from '@nestjs/common';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { createHmac } from 'node:crypto';

export const SERVICE_TOKEN_ISSUER = 'agentcy';
export type ServiceTokenType = 'pipeline' | 'preview';

export interface PipelineTokenClaims {
  typ: 'pipeline';
  org_id: string;
  run_id: string;
  sub: string;
  exp: number;
}

export interface PreviewTokenClaims {
  typ: 'preview';
  org_id: string;
  sid: string;
  port: number;
  sub: string;
  exp: number;
}

/**
 * Short-lived HS256 service tokens. Each type is signed with its own key derived from
 * JWT_SECRET (HMAC(JWT_SECRET, "agentcy:<typ>")), so a pipeline token can never pass as a
 * user session or a preview token, and the other way round; `typ` is checked as well.
 */
@Injectable()
export class ServiceTokenService {
  private readonly keys: Record<ServiceTokenType, Uint8Array>;

  constructor(config: AppConfig) {
    const derive = (typ: string) =>
      new Uint8Array(createHmac('sha256', config.auth.jwtSecret).update(`agentcy:${typ}`).digest());
    this.keys = { pipeline: derive('pipeline'), preview: derive('preview') };
  }

  mintPipelineToken(orgId: string, runId: string, ttlSecs = 3600): Promise<string> {
    return this.sign('pipeline', { org_id: orgId, run_id: runId }, `pipeline:${runId}`, ttlSecs);
  }

  mintPreviewToken(orgId: string, sessionId: string, port: number, ttlSecs = 3600): Promise<string> {
    return this.sign('preview', { org_id: orgId, sid: sessionId, port }, `preview:${sessionId}:${port}`, ttlSecs);
  }

  verifyPipelineToken(token: string): Promise<PipelineTokenClaims> {
    return this.verify<PipelineTokenClaims>('pipeline', token);
  }

  verifyPreviewToken(token: string): Promise<PreviewTokenClaims> {
    return this.verify<PreviewTokenClaims>('preview', token);
  }

  private async sign(
    typ: ServiceTokenType,
    claims: Record<string, unknown>,
    sub: string,
    ttlSecs: number,
  ): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ ...claims, typ })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(sub)
      .setIssuer(SERVICE_TOKEN_ISSUER)
      .setAudience(`agentcy:${typ}`)
      .setIssuedAt(now)
      .setExpirationTime(now + ttlSecs)
      .sign(this.keys[typ]);
  }

  private async verify<T>(typ: ServiceTokenType, token: string): Promise<T> {
    try {
      const { payload } = await jwtVerify(token, this.keys[typ], {
        algorithms: ['HS256'],
        issuer: SERVICE_TOKEN_ISSUER,
        audience: `agentcy:${typ}`,
      });
      if (payload.typ !== typ) {
        throw new UnauthorizedException('Invalid token', { reason: 'wrong_token_type' });
      }
      return payload as T;
    } catch (err) {
      if (err instanceof UnauthorizedException) {
        throw err;
      }
      if (err instanceof joseErrors.JWTExpired) {
        throw new UnauthorizedException('Token expired', { reason: 'token_expired' });
      }
      throw new UnauthorizedException('Invalid token', { reason: 'invalid_token' });
    }
  }
}
