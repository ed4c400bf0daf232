import { Module } from '@nestjs/common';
import { CliDownloadController } from './cli-download.controller';
import { CliDownloadService } from './cli-download.service';

/** CLI install script and builds (/cli/*) (docs/cli.md). */
@Module({
  controllers: [CliDownloadController],
  providers: [CliDownloadService],
})
export class CliDownloadModule {}
