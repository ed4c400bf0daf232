import { OpenApiDocumentHolder } from '@libs/openapi/openapi-document.holder';
import { Module } from '@nestjs/common';
import { OpenApiController } from './openapi.controller';

@Module({ controllers: [OpenApiController], providers: [OpenApiDocumentHolder], exports: [OpenApiDocumentHolder] })
export class OpenApiModule {}
