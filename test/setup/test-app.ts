import { AppConfig } from '@libs/config';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createApp, type CreateAppOptions } from 'src/bootstrap';
import request from 'supertest';

export interface TestApp {
  app: NestExpressApplication;
  /** http://127.0.0.1:<port> of the listening server */
  baseUrl: string;
  http: () => ReturnType<typeof request>;
  close: () => Promise<void>;
}

/** Boots the real app (real PostgreSQL, Redis, Neo4j) on a random port. */
export async function startTestApp(env: Record<string, string> = {}, opts: CreateAppOptions = {}): Promise<TestApp> {
  const config = AppConfig.fromEnv({ ...process.env, ...env });
  const { app } = await createApp(config, opts);
  await app.listen(0, '127.0.0.1');
  const addr = app.getHttpServer().address() as { port: number };
  return {
    app,
    baseUrl: `http://127.0.0.1:${addr.port}`,
    http: () => request(app.getHttpServer()),
    close: () => app.close(),
  };
}
