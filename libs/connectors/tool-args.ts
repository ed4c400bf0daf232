import { ToolExecutionError } from './connector';

/**
 * Reading a tool's arguments: every connector reports a bad argument the same way
 * (`invalid_arguments` with the field), which the model sees as a tool error.
 */
export type Args = Record<string, unknown>;

function invalid(key: string, message: string): ToolExecutionError {
  return new ToolExecutionError('invalid_arguments', message, { field: key });
}

export function argString(args: Args, key: string, required: true): string;
export function argString(args: Args, key: string, required?: boolean): string | undefined;
export function argString(args: Args, key: string, required = false): string | undefined {
  const v = args[key];
  if (v === undefined || v === null || v === '') {
    if (required) {
      throw invalid(key, `\`${key}\` is required`);
    }
    return undefined;
  }
  if (typeof v !== 'string') {
    throw invalid(key, `\`${key}\` must be a string`);
  }
  return v;
}

export interface IntArgOptions {
  min?: number;
  max?: number;
  required?: boolean;
  def?: number;
}

/** An integer (numeric strings accepted); absent → `def`, or an error when `required`. */
export function argInt(args: Args, key: string, opts: IntArgOptions & ({ required: true } | { def: number })): number;
export function argInt(args: Args, key: string, opts?: IntArgOptions): number | undefined;
export function argInt(args: Args, key: string, opts: IntArgOptions = {}): number | undefined {
  const v = args[key];
  if (v === undefined || v === null) {
    if (opts.required) {
      throw invalid(key, `\`${key}\` is required`);
    }
    return opts.def;
  }
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  if (
    typeof n !== 'number' ||
    !Number.isInteger(n) ||
    (opts.min !== undefined && n < opts.min) ||
    (opts.max !== undefined && n > opts.max)
  ) {
    const bounds = `${opts.min !== undefined ? ` >= ${opts.min}` : ''}${opts.max !== undefined ? ` <= ${opts.max}` : ''}`;
    throw invalid(key, `\`${key}\` must be an integer${bounds}`);
  }
  return n;
}

export function argStringArray(args: Args, key: string): string[] | undefined {
  const v = args[key];
  if (v === undefined || v === null) {
    return undefined;
  }
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
    throw invalid(key, `\`${key}\` must be an array of strings`);
  }
  return v as string[];
}
