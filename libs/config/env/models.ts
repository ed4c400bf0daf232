import type { EnvVar } from '../env-var';

/** LLM and embedding providers. */
export const MODELS_VARS: readonly EnvVar[] = [
  {
    name: 'LLM_PROVIDER',
    kind: 'enum',
    values: ['offline', 'openai', 'anthropic', 'google', 'ollama', 'vllm', 'lmstudio'],
    default: 'offline',
    description: 'Default LLM provider when an org has none configured; `offline` is the built-in keyless provider.',
  },
  { name: 'LLM_MODEL', kind: 'string', description: 'Default model name.' },
  {
    name: 'LLM_BASE_URL',
    kind: 'url',
    description: 'Base URL for OpenAI-compatible servers (Ollama, vLLM, LM Studio).',
  },
  { name: 'LLM_API_KEY', kind: 'string', secret: true, description: 'Default provider API key.' },
  {
    name: 'OPENAI_API_KEY',
    kind: 'string',
    secret: true,
    description: 'OpenAI key, used when LLM_API_KEY / the org settings give none.',
  },
  {
    name: 'ANTHROPIC_API_KEY',
    kind: 'string',
    secret: true,
    description: 'Anthropic key, used when LLM_API_KEY / the org settings give none.',
  },
  {
    name: 'GOOGLE_API_KEY',
    kind: 'string',
    secret: true,
    description: 'Google Gemini key, used when LLM_API_KEY / the org settings give none.',
  },
  {
    name: 'EMBEDDINGS_BASE_URL',
    kind: 'url',
    description:
      'OpenAI-compatible embeddings endpoint of the install (`<base>/embeddings`); with EMBEDDINGS_MODEL it replaces the built-in model for /rag and /memory. Install-level: orgs cannot set it.',
  },
  { name: 'EMBEDDINGS_MODEL', kind: 'string', description: 'Model name sent to EMBEDDINGS_BASE_URL.' },
  { name: 'EMBEDDINGS_API_KEY', kind: 'string', secret: true, description: 'Bearer key for EMBEDDINGS_BASE_URL.' },
  {
    name: 'EMBEDDINGS_DIMENSIONS',
    kind: 'int',
    min: 1,
    max: 4096,
    description:
      'Vector size of the EMBEDDINGS_MODEL (default 1536); also sent as `dimensions` when set. The built-in model has 384.',
  },
  {
    name: 'EMBEDDINGS_MODEL_DIR',
    kind: 'string',
    default: '.cache/models/all-minilm-l6-v2-q',
    description:
      'Folder of the built-in embedding model (`model.onnx` + `tokenizer.json` of all-MiniLM-L6-v2, fetched by docker/models/fetch-models.sh, which scripts/stack-up.sh runs).',
  },
  {
    name: 'EMBEDDINGS_THREADS',
    kind: 'int',
    default: '2',
    min: 1,
    max: 64,
    description: 'CPU threads the built-in embedding model may use (one inference runs at a time per process).',
  },
];
