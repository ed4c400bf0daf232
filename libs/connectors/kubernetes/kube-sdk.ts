import type * as Sdk from '@kubernetes/client-node';
import type { IncomingMessage } from 'node:http';

/**
 * `@kubernetes/client-node`, loaded on first use. Requiring it costs ~40 MB of RSS (it loads every
 * generated API and model), which an API whose orgs have no Kubernetes source should not pay; the
 * rest of the connector imports it for types only.
 */
export type KubeSdk = typeof Sdk;

let sdk: Promise<KubeSdk> | undefined;

export function kubeSdk(): Promise<KubeSdk> {
  return (sdk ??= import('@kubernetes/client-node'));
}

/** The SDK's `HttpError` (0.22): `statusCode`, `body` (the Kubernetes `Status`) and the raw `response`. */
export interface KubeHttpError extends Error {
  statusCode: number;
  body: unknown;
  response?: IncomingMessage;
}

/** Recognises the SDK's `HttpError` by shape, so callers need not load the SDK for an `instanceof`. */
export function isKubeHttpError(e: unknown): e is KubeHttpError {
  return e instanceof Error && e.name === 'HttpError' && typeof (e as { statusCode?: unknown }).statusCode === 'number';
}
