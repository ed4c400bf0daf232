import { applyDecorators, Type } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, getSchemaPath } from '@nestjs/swagger';

/** Documents `{ items, next_cursor, total }` around an item DTO. */
export function ApiPageResponse(item: Type<unknown>, description = 'One page of results') {
  return applyDecorators(
    ApiExtraModels(item),
    ApiOkResponse({
      description,
      schema: {
        type: 'object',
        required: ['items', 'next_cursor', 'total'],
        properties: {
          items: { type: 'array', items: { $ref: getSchemaPath(item) } },
          next_cursor: { type: ['string', 'null'] as unknown as 'string', description: 'null on the last page' },
          total: { type: 'integer' },
        },
      },
    }),
  );
}
