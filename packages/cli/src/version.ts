import pkg from '../package.json';

/** The CLI's own version (packages/cli/package.json; the bundle embeds it). */
export const CLI_VERSION: string = pkg.version;
