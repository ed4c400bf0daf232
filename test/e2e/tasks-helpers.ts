import type { TestUser } from '../factories/users';
import { api } from './chat-helpers';

/** `call` (any route under /api/v1) and `create` (POST /tasks, throws unless 201) for a user. */
export function taskClient(baseUrl: () => string) {
  const call = (u: TestUser, method: string, path: string, body?: unknown) =>
    api(baseUrl(), method, path, u.auth, body);
  const create = async (u: TestUser, body: Record<string, unknown>) => {
    const res = await call(u, 'POST', '/tasks', body);
    if (res.status !== 201) {
      throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
    }
    return res.body;
  };
  return { call, create };
}
