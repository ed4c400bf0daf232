import { Injectable } from '@nestjs/common';
import type { OpenAPIObject } from '@nestjs/swagger';

/** The document is built once the app is assembled; the controller serves it from here. */
@Injectable()
export class OpenApiDocumentHolder {
  document: OpenAPIObject | undefined;
}
