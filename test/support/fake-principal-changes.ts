import type { PrincipalChange, PrincipalChanges } from '../../libs/auth/principal-changes';

/**
 * PrincipalChanges in memory, for the unit specs of the caches that listen to it: `hear` plays an
 * announcement as if from any replica, `gap` a reconnect of the subscriber; `announce` is recorded
 * and heard at once, as on the announcing replica.
 */
export function fakePrincipalChanges() {
  let listener: (c: PrincipalChange) => void = () => undefined;
  let onGap: () => void = () => undefined;
  const announced: PrincipalChange[] = [];
  const changes = {
    listen: async (l: (c: PrincipalChange) => void, gap: () => void) => {
      listener = l;
      onGap = gap;
      return async () => undefined;
    },
    announce: async (kind: PrincipalChange['kind'], id: string) => {
      announced.push({ kind, id });
      listener({ kind, id });
    },
  } as unknown as PrincipalChanges;
  return { changes, announced, hear: (c: PrincipalChange) => listener(c), gap: () => onGap() };
}
