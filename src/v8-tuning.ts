import type { AppConfig } from '@libs/config';
import { setFlagsFromString } from 'node:v8';

/**
 * V8 settings of the API and worker processes, applied by the entry points as soon as the
 * configuration is read. V8 reads `--heap-growing-percent` after every full collection (it sets the
 * next collection's limit), so setting it at boot takes effect; NODE_OPTIONS cannot carry it.
 * Why 20 %: docs/decisions/0014-v8-heap-growing.md.
 */
export function applyV8Tuning(config: Pick<AppConfig, 'heapGrowingPercent'>): void {
  if (config.heapGrowingPercent > 0) {
    setFlagsFromString(`--heap-growing-percent=${config.heapGrowingPercent}`);
  }
}
