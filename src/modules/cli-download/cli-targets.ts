/** The platforms the CLI is built for and the file names of its artifacts (docs/cli.md). */
export const CLI_OSES = ['linux', 'darwin', 'windows'] as const;
export const CLI_ARCHES = ['amd64', 'arm64'] as const;
export type CliOs = (typeof CLI_OSES)[number];
export type CliArch = (typeof CLI_ARCHES)[number];

/** `1.2.3` or `1.2.3-rc.1`: the only shape a version directory or `?version=` may have. */
export const CLI_VERSION_PATTERN = /^\d{1,6}\.\d{1,6}\.\d{1,6}(?:-[0-9A-Za-z.]{1,40})?$/;

export const isCliOs = (v: string): v is CliOs => (CLI_OSES as readonly string[]).includes(v);
export const isCliArch = (v: string): v is CliArch => (CLI_ARCHES as readonly string[]).includes(v);

/** `agentcy-linux-amd64`: the artifact of one target inside `<CLI_DIST_DIR>/<version>/`. */
export const cliFileName = (os: CliOs, arch: CliArch) => `agentcy-${os}-${arch}`;

/** The name the download is saved under (the bundle is a Node script; Windows runs it as `node agentcy.js`). */
export const cliDownloadName = (os: CliOs) => (os === 'windows' ? 'agentcy.js' : 'agentcy');

export const allCliTargets = (): { os: CliOs; arch: CliArch }[] =>
  CLI_OSES.flatMap((os) => CLI_ARCHES.map((arch) => ({ os, arch })));

/** Orders `1.10.0` after `1.9.0`; a pre-release sorts before its release. */
export function compareVersions(a: string, b: string): number {
  const [ca, pa = ''] = a.split('-', 2);
  const [cb, pb = ''] = b.split('-', 2);
  const na = ca.split('.').map(Number);
  const nb = cb.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    if (na[i] !== nb[i]) {
      return na[i] - nb[i];
    }
  }
  if (pa === pb) {
    return 0;
  }
  if (!pa || !pb) {
    return pa ? -1 : 1;
  }
  return pa < pb ? -1 : 1;
}
