import type { EnvVar } from '../env-var';

/** Uploads, artifacts (local disk or S3) and context ingest limits. */
export const STORAGE_VARS: readonly EnvVar[] = [
  {
    name: 'UPLOAD_DIR',
    kind: 'string',
    default: './data/uploads',
    description: 'Local storage for uploads and artifacts when no S3 is configured.',
  },
  {
    name: 'CLI_DIST_DIR',
    kind: 'string',
    default: './dist/cli',
    description:
      'Where `/cli/download` and `/cli/install.sh` read the CLI builds (`<dir>/<version>/agentcy-<os>-<arch>`, written by `npm run cli:build`).',
  },
  {
    name: 'AGENTCY_ARTIFACT_BACKEND',
    kind: 'enum',
    values: ['local', 's3'],
    default: 'local',
    description:
      'Where `/artifacts` blobs live: `local` (files under `<UPLOAD_DIR>/artifacts`) or `s3` (any S3-compatible store, `S3_*`).',
  },
  {
    name: 'ARTIFACT_MAX_BYTES',
    kind: 'int',
    default: '52428800',
    min: 1,
    description: 'Largest artifact accepted (upload or produced by a tool/task run); larger uploads get 413.',
  },
  {
    name: 'CONTEXT_INGEST_MAX_BYTES',
    kind: 'int',
    default: '10485760',
    min: 1,
    description: 'Largest NDJSON body one `/context/pipelines/:id/ingest` request may send; larger → 413.',
  },
  {
    name: 'CONTEXT_INGEST_MAX_LINES',
    kind: 'int',
    default: '10000',
    min: 1,
    description: 'Most NDJSON lines one `/context/pipelines/:id/ingest` request may send; more → 413.',
  },
  {
    name: 'CONTEXT_INGEST_MAX_IN_FLIGHT',
    kind: 'int',
    default: '4',
    min: 1,
    description: 'Concurrent ingest requests per pipeline and API process; one more gets 429 with Retry-After.',
  },
  {
    name: 'ARTIFACT_LINK_TTL_SECS',
    kind: 'int',
    default: '900',
    min: 1,
    max: 604800,
    description: 'Lifetime of a signed artifact download link.',
  },
  {
    name: 'S3_ENDPOINT',
    kind: 'url',
    description: 'S3-compatible endpoint (e.g. MinIO); unset = AWS S3 of `S3_REGION`.',
  },
  { name: 'S3_BUCKET', kind: 'string', description: 'Bucket of the S3 artifact store (required with `s3`).' },
  { name: 'S3_REGION', kind: 'string', default: 'us-east-1', description: 'Region of the S3 artifact store.' },
  {
    name: 'S3_ACCESS_KEY_ID',
    kind: 'string',
    description: 'Access key of the S3 artifact store; unset = the AWS default credential chain.',
  },
  { name: 'S3_SECRET_ACCESS_KEY', kind: 'string', secret: true, description: 'Secret key of the S3 artifact store.' },
  {
    name: 'S3_FORCE_PATH_STYLE',
    kind: 'bool',
    default: 'false',
    description:
      'Address the bucket as `<endpoint>/<bucket>` (MinIO and most S3-compatible servers) instead of a subdomain.',
  },
];
