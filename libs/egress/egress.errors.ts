import { UnprocessableException } from '@libs/errors';

/** An outbound connection made for an org was refused by the egress guard (422 `egress_forbidden`). */
export class EgressForbiddenError extends UnprocessableException {
  constructor(
    readonly host: string,
    readonly address: string | null,
    readonly reason: string,
  ) {
    super(
      'egress_forbidden',
      `Outbound connection to ${host}${address && address !== host ? ` (${address})` : ''} is not allowed: ${reason}`,
      {
        host,
        address,
        reason,
      },
    );
  }
}

/** Finds an EgressForbiddenError in an error's cause chain (fetch and SDKs wrap connect errors). */
export function findEgressError(err: unknown): EgressForbiddenError | null {
  let e: unknown = err;
  for (let depth = 0; e && depth < 8; depth++) {
    if (e instanceof EgressForbiddenError) {
      return e;
    }
    e = (e as { cause?: unknown }).cause;
  }
  return null;
}
