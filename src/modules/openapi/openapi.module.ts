import { OpenApiDocumentHolder } from '@libs/openapi/openapi-document.holder';
import { Global, Module } from '@nestjs/common';
import { OpenApiController } from './openapi.controller';

@Global()
@Module({ controllers: [OpenApiController], providers: [OpenApiDocumentHolder], exports: [OpenApiDocumentHolder] })
export class OpenApiModule {}
