/** One environment variable the API reads (see env.schema.ts). */
export type EnvKind = 'string' | 'int' | 'bool' | 'url' | 'enum' | 'list';

export interface EnvVar {
  name: string;
  kind: EnvKind;
  default?: string;
  values?: readonly string[];
  min?: number;
  max?: number;
  /** Required only when NODE_ENV=production (a development default is used otherwise). */
  requiredInProduction?: boolean;
  secret?: boolean;
  description: string;
}
