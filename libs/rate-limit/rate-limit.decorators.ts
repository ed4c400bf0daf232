import { SetMetadata } from '@nestjs/common';

export const ANONYMOUS_RATE_LIMIT = 'agentcy:anonymous-rate-limit';

/**
 * A public route that anyone can hammer without credentials (login, register, password reset,
 * invite accept, OIDC callbacks): counted per client IP against AUTH_ANON_RATE_LIMIT_PER_MIN,
 * in one bucket shared by all such routes, before the body is validated or a password hashed.
 */
export const AnonymousRateLimit = () => SetMetadata(ANONYMOUS_RATE_LIMIT, true);
