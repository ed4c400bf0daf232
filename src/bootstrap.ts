import { AppConfig } from '@libs/config';
import { AppException, ValidationException } from '@libs/errors';
import {
  corsFor,
  indexRoutes,
  inputGuard,
  inSequence,
  jsonDepthExceeds,
  MAX_JSON_DEPTH,
  PrototypedExpressAdapter,
  securityHeaders,
} from '@libs/http';
import { createAccessLogger, createRootLogger, PinoNestLogger, requestContext } from '@libs/logging';
import { HttpMetrics } from '@libs/metrics';
import { buildOpenApiDocument } from '@libs/openapi/build-document';
import { OpenApiDocumentHolder } from '@libs/openapi/openapi-document.holder';
import { setCursorKey } from '@libs/pagination/cursor';
import { DynamicModule, INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import express, { Express, NextFunction, Request, Response } from 'express';
import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { AppModule } from './app.module';
import { HookEdge, type PrereadRequest } from './modules/webhooks/hook-edge';

export const API_PREFIX = 'api/v1';

function bodyError(err: { type?: string; message?: string }): AppException {
  if (err instanceof AppException) {
    return err; // raised by a verify hook (nesting too deep)
  }
  if (err.type === 'entity.too.large') {
    return new AppException(413, 'payload_too_large', 'Request body is too large');
  }
  if (err.type === 'entity.parse.failed') {
    return new AppException(400, 'malformed_json', 'Request body is not valid JSON');
  }
  return new AppException(400, 'bad_request', err.message ?? 'Unreadable request body');
}

/** JSON and form bodies (raw bytes kept for signature checks); other types arrive as a Buffer. */
function bodyParsers(limit: number) {
  const keepRaw = (req: Request & { rawBody?: Buffer }, _res: Response, buf: Buffer) => {
    // a small body is a view into a shared 8 KB pool slab, which a long-lived request (an SSE
    // stream) would keep alive whole: such a view is copied into memory of its own size
    if (buf.byteLength === buf.buffer.byteLength) {
      req.rawBody = buf;
    } else {
      const own = new Uint8Array(buf);
      req.rawBody = Buffer.from(own.buffer, 0, own.byteLength);
    }
  };
  const keepRawShallow = (req: Request & { rawBody?: Buffer }, res: Response, buf: Buffer) => {
    keepRaw(req, res, buf);
    // before JSON.parse: nothing recursive (transformers, validators, hashing) ever sees a deep value
    if (jsonDepthExceeds(buf, MAX_JSON_DEPTH)) {
      throw new ValidationException(`Request body nests deeper than ${MAX_JSON_DEPTH} levels`, {
        location: 'body',
        reason: 'too_deep',
        max_depth: MAX_JSON_DEPTH,
      });
    }
  };
  const parsers = [
    express.json({ limit, verify: keepRawShallow, type: ['application/json', 'application/*+json'] }),
    express.urlencoded({ limit, extended: true, verify: keepRaw }),
    express.raw({
      limit,
      type: (req) =>
        !!req.headers['content-type'] &&
        !/json|x-www-form-urlencoded|multipart\/form-data/.test(String(req.headers['content-type'])),
      verify: keepRaw,
    }),
  ];
  // one middleware: a request without a body (most GETs) skips all three at once
  return (req: PrereadRequest, res: Response, next: NextFunction) => {
    if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) {
      return next();
    }
    // a body the `/hooks` fast lane read already is parsed from its bytes, by the same parsers
    const source = req.bodyPreread ? replayOf(req) : req;
    let i = 0;
    const step = (err?: unknown): void => {
      if (err) {
        return next(bodyError(err as { type?: string }));
      }
      const parser = parsers[i++];
      if (parser) {
        return parser(source, res, step);
      }
      if (source !== req) {
        req.body = source.body;
        req.rawBody = source.rawBody;
      }
      return next();
    };
    step();
  };
}

/** A readable copy of a request whose body was read already, for the body parsers. */
function replayOf(req: PrereadRequest): PrereadRequest {
  const copy = Readable.from([req.rawBody ?? Buffer.alloc(0)]) as unknown as PrereadRequest;
  return Object.assign(copy, { headers: req.headers, method: req.method, url: req.url });
}

/** A provider of a module that may not be mounted (feature modules), or undefined. */
function optionalProvider<T>(app: INestApplication, type: Type<T>): T | undefined {
  try {
    return app.get(type, { strict: false });
  } catch {
    return undefined;
  }
}

export interface CreatedApp {
  app: NestExpressApplication;
  logger: Logger;
}

export interface CreateAppOptions {
  /** extra modules mounted beside the app's own (tests use it for probe controllers) */
  extraModules?: (Type<unknown> | DynamicModule)[];
}

export async function createApp(config: AppConfig, opts: CreateAppOptions = {}): Promise<CreatedApp> {
  const logger = createRootLogger(config.logLevel);
  setCursorKey(createHash('sha256').update(`cursor:${config.auth.jwtSecret}`).digest());
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot(config, opts.extraModules),
    new PrototypedExpressAdapter(),
    {
      bodyParser: false,
      logger: new PinoNestLogger(logger),
      abortOnError: false,
    },
  );
  app.set('trust proxy', 'loopback');
  app.disable('x-powered-by');
  const prelude = [
    securityHeaders(`/${API_PREFIX}/docs`),
    requestContext(createAccessLogger(config.logLevel), app.get(HttpMetrics).onFinish),
  ];
  app.use(inSequence([...prelude, bodyParsers(config.bodyLimitBytes), inputGuard(), corsFor(config.corsOrigins)]));
  // the sandbox preview proxy declares both of its mounts itself (bare links and the /api/v1 alias)
  app.setGlobalPrefix(API_PREFIX, {
    exclude: ['metrics', 'sandbox/preview/{*rest}', `${API_PREFIX}/sandbox/preview/{*rest}`],
  });
  // the document and the reference page are set up before init: routes added after it would
  // sit behind the router's not-found handler
  const doc = buildOpenApiDocument(app);
  app.get(OpenApiDocumentHolder).document = doc;
  SwaggerModule.setup(`${API_PREFIX}/docs`, app, doc, {
    raw: false,
    customSiteTitle: 'Agentcy API reference',
    swaggerOptions: { url: `/${API_PREFIX}/openapi.json` },
  });
  await app.init();
  const server = app.getHttpAdapter().getInstance() as Express;
  const indexed = indexRoutes(server.router as unknown as Parameters<typeof indexRoutes>[0], {
    caseSensitive: Boolean(server.get('case sensitive routing')),
  });
  logger.debug({ routes: indexed }, 'routes indexed by their leading segments');
  optionalProvider(app, HookEdge)?.attach(app.getHttpServer() as Server, server, prelude);
  return { app, logger };
}

/**
 * SIGTERM: stop accepting, let in-flight requests finish (bounded by SHUTDOWN_GRACE_MS),
 * then close pools through Nest's shutdown hooks.
 */
export function installGracefulShutdown(app: INestApplication, config: AppConfig, logger: Logger): void {
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) {
      return;
    }
    closing = true;
    logger.info({ signal }, 'shutting down');
    const server = app.getHttpServer() as import('node:http').Server;
    const force = setTimeout(() => server.closeAllConnections(), config.shutdownGraceMs);
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
    clearTimeout(force);
    await app.close().catch((err) => logger.error({ err }, 'error while closing'));
    logger.info('shutdown complete');
    // Log lines are written asynchronously: let the queued ones reach stdout before exiting.
    await new Promise<void>((resolve) => {
      const cap = setTimeout(resolve, 1_000);
      logger.flush(() => {
        clearTimeout(cap);
        resolve();
      });
    });
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}
