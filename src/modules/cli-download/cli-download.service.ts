import { AppConfig } from '@libs/config';
import { AppException, NotFoundException } from '@libs/errors';
import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import {
  allCliTargets,
  CLI_ARCHES,
  CLI_OSES,
  CLI_VERSION_PATTERN,
  cliDownloadName,
  cliFileName,
  compareVersions,
  isCliArch,
  isCliOs,
} from './cli-targets';
import type { CliVersionDto } from './dto/cli-version.dto';
import { renderInstallScript } from './install-script';

export interface CliArtifact {
  stream: ReadStream;
  size: number;
  sha256: string;
  fileName: string;
  version: string;
}

/**
 * Reads the CLI builds under CLI_DIST_DIR (`<dir>/<version>/agentcy-<os>-<arch>`, written by
 * `npm run cli:build`). File names are only ever built from the allow-listed os/arch values and a
 * version matching CLI_VERSION_PATTERN, never from request text. Checksums are computed from the
 * files themselves (cached per path, size and mtime), so they always describe what is served.
 */
@Injectable()
export class CliDownloadService {
  private readonly root: string;
  private readonly hashes = new Map<string, { key: string; sha256: string }>();

  constructor(private readonly config: AppConfig) {
    this.root = resolve(config.cliDistDir);
  }

  async version(requested?: string): Promise<CliVersionDto> {
    const version = await this.resolveVersion(requested);
    const sha256: Record<string, string> = {};
    for (const { os, arch } of allCliTargets()) {
      const file = this.fileOf(version, cliFileName(os, arch));
      const st = await stat(file).catch(() => null);
      if (st?.isFile()) {
        sha256[`${os}-${arch}`] = await this.sha256(file, st.size, st.mtimeMs);
      }
    }
    return { version, sha256 };
  }

  async installScript(): Promise<string> {
    const { version, sha256 } = await this.version();
    return renderInstallScript({ baseUrl: this.config.publicBaseUrl, version, sha256 });
  }

  async open(os: string, arch: string, requested?: string): Promise<CliArtifact> {
    if (!isCliOs(os) || !isCliArch(arch)) {
      throw new AppException(400, 'unsupported_platform', `No CLI build for ${os}/${arch}`, {
        os: CLI_OSES,
        arch: CLI_ARCHES,
      });
    }
    const version = await this.resolveVersion(requested);
    const file = this.fileOf(version, cliFileName(os, arch));
    const st = await stat(file).catch(() => null);
    if (!st?.isFile()) {
      throw new NotFoundException('CLI build', { os, arch, version }, 'cli_not_built');
    }
    return {
      stream: createReadStream(file),
      size: st.size,
      sha256: await this.sha256(file, st.size, st.mtimeMs),
      fileName: cliDownloadName(os),
      version,
    };
  }

  /** The requested version when this server holds it, else the newest one; none → 404 cli_not_built. */
  private async resolveVersion(requested?: string): Promise<string> {
    const versions = await this.versions();
    if (requested !== undefined) {
      if (!versions.includes(requested)) {
        throw new NotFoundException('CLI version', { version: requested, available: versions }, 'cli_not_built');
      }
      return requested;
    }
    const newest = versions[versions.length - 1];
    if (!newest) {
      throw new NotFoundException('CLI build', { hint: 'npm run cli:build writes CLI_DIST_DIR' }, 'cli_not_built');
    }
    return newest;
  }

  private async versions(): Promise<string[]> {
    const entries = await readdir(this.root, { withFileTypes: true }).catch(() => []);
    return entries
      .filter((e) => e.isDirectory() && CLI_VERSION_PATTERN.test(e.name))
      .map((e) => e.name)
      .sort(compareVersions);
  }

  private fileOf(version: string, name: string): string {
    const file = resolve(this.root, version, name);
    // defence in depth: the parts are allow-listed, so this cannot leave the root
    if (!file.startsWith(this.root + sep)) {
      throw new NotFoundException('CLI build', undefined, 'cli_not_built');
    }
    return file;
  }

  private async sha256(file: string, size: number, mtimeMs: number): Promise<string> {
    const key = `${size}:${mtimeMs}`;
    const hit = this.hashes.get(file);
    if (hit?.key === key) {
      return hit.sha256;
    }
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(file)) {
      hash.update(chunk as Buffer);
    }
    const sha256 = hash.digest('hex');
    this.hashes.set(file, { key, sha256 });
    return sha256;
  }
}
