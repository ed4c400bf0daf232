import { Public } from '@libs/auth/auth.decorators';
import { ServiceUnavailableException } from '@libs/errors';
import { OpenApiDocumentHolder } from '@libs/openapi/openapi-document.holder';
import { Controller, Get } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';

@ApiExcludeController()
@Controller()
export class OpenApiController {
  constructor(private readonly holder: OpenApiDocumentHolder) {}

  @Get('openapi.json')
  @Public()
  document() {
    if (!this.holder.document) {
      throw new ServiceUnavailableException('OpenAPI document is not built yet');
    }
    return this.holder.document;
  }
}
