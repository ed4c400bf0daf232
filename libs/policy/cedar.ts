/**
 * The Cedar engine (`@cedar-policy/cedar-wasm`, the Rust implementation compiled to WebAssembly):
 * loaded once per process, evaluated in process, no binary fetched at run time (decision 0008).
 */
export * as cedar from '@cedar-policy/cedar-wasm/nodejs';
export type {
  AuthorizationAnswer,
  CedarValueJson,
  DetailedError,
  EntityJson,
  PolicyJson,
} from '@cedar-policy/cedar-wasm/nodejs';
