import { IsInt, IsString, MaxLength, MetadataStorage, validate } from 'class-validator';
import { memoizeTargetValidationMetadatas } from './validation-metadata-memo';

describe('memoizeTargetValidationMetadatas', () => {
  it('answers as class-validator does, and sees rules registered after the first validation', async () => {
    memoizeTargetValidationMetadatas();
    memoizeTargetValidationMetadatas(); // idempotent: wrapping twice would still work, but must not stack

    class Base {
      @IsString()
      name!: unknown;
    }
    const bad = Object.assign(new Base(), { name: 1 });
    expect((await validate(bad)).map((e) => e.property)).toEqual(['name']);
    expect(await validate(Object.assign(new Base(), { name: 'ok' }))).toEqual([]);

    // a subclass defined later (its decorators register new rules): inherited and own rules both apply
    class Child extends Base {
      @IsInt()
      count!: unknown;
    }
    const child = Object.assign(new Child(), { name: 2, count: 'x' });
    expect((await validate(child)).map((e) => e.property).sort()).toEqual(['count', 'name']);

    // a rule added to an already validated class is seen on its next validation
    MaxLength(2)(Base.prototype, 'name');
    const long = Object.assign(new Base(), { name: 'abc' });
    expect((await validate(long)).map((e) => Object.keys(e.constraints ?? {}))).toEqual([['maxLength']]);
  });

  it('returns the same list for the same class and options without walking the classes again', () => {
    const storage = new MetadataStorage();
    const walk = jest.spyOn(storage, 'getTargetValidationMetadatas');
    memoizeTargetValidationMetadatas(storage);
    class Dto {}
    const first = storage.getTargetValidationMetadatas(Dto, '', false, false, undefined);
    const second = storage.getTargetValidationMetadatas(Dto, '', false, false, undefined);
    expect(second).toBe(first);
    expect(walk).toHaveBeenCalledTimes(1);
    storage.getTargetValidationMetadatas(Dto, '', false, false, ['admin']);
    expect(walk).toHaveBeenCalledTimes(2);
  });
});
