import type { ArgumentMetadata } from '@nestjs/common';
import { Transform, Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { AppException } from './app.exception';
import { createValidationPipe } from './validation.pipe';

class ListQuery {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @IsOptional()
  @IsString()
  q?: string;

  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' ? value.split(',') : value))
  @IsString({ each: true })
  tags?: string[];
}

const query = (value: Record<string, unknown>) => Object.assign(Object.create(null) as object, value);
const asQuery: ArgumentMetadata = { type: 'query', metatype: ListQuery };

describe('validation pipe: query DTOs remembered by their query string', () => {
  it('a query that passed once gives a fresh instance with the same fields, without validating again', async () => {
    const pipe = createValidationPipe();
    const first = (await pipe.transform(query({ limit: '20', q: 'x' }), asQuery)) as ListQuery;
    expect(first).toBeInstanceOf(ListQuery);
    expect({ ...first }).toEqual({ limit: 20, q: 'x' });
    const validate = jest.spyOn(pipe as unknown as { validate: () => unknown }, 'validate');
    const second = (await pipe.transform(query({ limit: '20', q: 'x' }), asQuery)) as ListQuery;
    expect(validate).not.toHaveBeenCalled();
    expect(second).toBeInstanceOf(ListQuery);
    expect(second).not.toBe(first);
    expect(Object.entries(second)).toEqual(Object.entries(first));
    second.limit = 5;
    expect(((await pipe.transform(query({ limit: '20', q: 'x' }), asQuery)) as ListQuery).limit).toBe(20);
  });

  it('a refused query is refused every time (never remembered)', async () => {
    const pipe = createValidationPipe();
    for (let i = 0; i < 2; i++) {
      await expect(pipe.transform(query({ limit: '0' }), asQuery)).rejects.toBeInstanceOf(AppException);
      await expect(pipe.transform(query({ limit: '20', nope: '1' }), asQuery)).rejects.toMatchObject({
        status: 400,
        message: 'nope: property nope should not exist',
      });
    }
  });

  it('a DTO with an object field, a repeated parameter or a body is validated every time', async () => {
    const pipe = createValidationPipe();
    const validate = jest.spyOn(pipe as unknown as { validate: () => unknown }, 'validate');
    for (let i = 0; i < 2; i++) {
      expect(await pipe.transform(query({ tags: 'a,b' }), asQuery)).toEqual(
        Object.assign(new ListQuery(), { tags: ['a', 'b'] }),
      );
      await pipe.transform(query({ q: ['a', 'b'] }), asQuery).catch(() => undefined);
      await pipe.transform({ limit: 20, q: 'x' }, { type: 'body', metatype: ListQuery });
    }
    expect(validate).toHaveBeenCalledTimes(6);
  });
});
