import { Module } from '@nestjs/common';

/** CLI install script and binaries (/cli/*) (docs/cli.md). */
@Module({})
export class CliDownloadModule {}
