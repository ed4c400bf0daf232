import { Client } from 'pg';

/** Shared setup of the benches that run their own API: a JSON call, a fresh database by name. */
export type Json = Record<string, any>;

export const adminDatabaseUrl = process.env.DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** The URL of database `name` on the admin URL's server. */
export function databaseUrlOf(name: string): string {
  return adminDatabaseUrl.replace(/\/[^/]*$/, `/${name}`);
}

/** One API call; a non-2xx answer throws with its body. */
export async function call(base: string, method: string, path: string, token?: string, body?: unknown): Promise<Json> {
  const headers: Record<string, string> = {};
  if (token) {
    headers.authorization = `Bearer ${token}`;
  }
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(`${base}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) {
    throw new Error(`${method} ${path} → ${res.status}: ${text.slice(0, 500)}`);
  }
  return text ? (JSON.parse(text) as Json) : {};
}

/** Drops and re-creates database `name` (the API migrates it and seeds the admin on boot). */
export async function freshDatabase(name: string): Promise<void> {
  const c = new Client({ connectionString: adminDatabaseUrl });
  await c.connect();
  try {
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${name}`);
  } finally {
    await c.end();
  }
}
