import { Public } from '@libs/auth/auth.decorators';
import { Controller, Get, Header, Param, Query, Res, StreamableFile } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CliDownloadService } from './cli-download.service';
import { CLI_ARCHES, CLI_OSES } from './cli-targets';
import { CliVersionDto, CliVersionQuery } from './dto/cli-version.dto';

/** `/api/v1/cli/*`: the CLI install script and builds, public (docs/cli.md). */
@ApiTags('cli')
@Controller('cli')
export class CliDownloadController {
  constructor(private readonly cli: CliDownloadService) {}

  @Get('install.sh')
  @Public()
  @Header('Content-Type', 'text/x-shellscript; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  @Header('X-Content-Type-Options', 'nosniff')
  @ApiOperation({
    operationId: 'cli_install_script',
    summary: 'POSIX sh installer: detects OS/arch, downloads from PUBLIC_BASE_URL, verifies SHA-256',
  })
  @ApiProduces('text/x-shellscript')
  @ApiOkResponse({ schema: { type: 'string' } })
  installScript(): Promise<string> {
    return this.cli.installScript();
  }

  @Get('version')
  @Public()
  @ApiOperation({ operationId: 'cli_version', summary: 'Newest CLI version held and the SHA-256 of each build' })
  @ApiOkResponse({ type: CliVersionDto })
  version(@Query() q: CliVersionQuery): Promise<CliVersionDto> {
    return this.cli.version(q.version);
  }

  @Get('download/:os/:arch')
  @Public()
  @Header('X-Content-Type-Options', 'nosniff')
  @Header('Cache-Control', 'no-cache')
  @ApiOperation({
    operationId: 'cli_download',
    summary: 'One CLI build as an attachment (`?version=`, default newest)',
  })
  @ApiParam({ name: 'os', enum: CLI_OSES })
  @ApiParam({ name: 'arch', enum: CLI_ARCHES })
  @ApiProduces('application/octet-stream')
  @ApiOkResponse({ schema: { type: 'string', format: 'binary' } })
  async download(
    @Param('os') os: string,
    @Param('arch') arch: string,
    @Query() q: CliVersionQuery,
    @Res({ passthrough: true }) res: Response,
  ): Promise<StreamableFile> {
    const a = await this.cli.open(os, arch, q.version);
    res.setHeader('X-Agentcy-Cli-Version', a.version);
    res.setHeader('X-Checksum-Sha256', a.sha256);
    return new StreamableFile(a.stream, {
      type: 'application/octet-stream',
      disposition: `attachment; filename="${a.fileName}"`,
      length: a.size,
    });
  }
}
