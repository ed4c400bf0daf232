import { AUTH_METADATA } from '@libs/auth/auth.decorators';
import { Controller, Get, Module } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import { startTestApp, TestApp } from '../setup/test-app';

@Controller('undeclared-probe')
class UndeclaredProbeController {
  @Get()
  get() {
    return { leaked: true };
  }
}

@Module({ controllers: [UndeclaredProbeController] })
class UndeclaredProbeModule {}

describe('route inventory: every route declares how it is authenticated', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({}, { extraModules: [UndeclaredProbeModule] });
  });
  afterAll(() => t.close());

  it('walks all controllers; no route of the app lacks an auth declaration', () => {
    const modules = t.app.get(ModulesContainer);
    const scanner = new MetadataScanner();
    const reflector = t.app.get(Reflector);
    const missing: string[] = [];
    let routes = 0;
    const controllers = [...modules.values()].flatMap((m) => [...m.controllers.values()]);
    for (const wrapper of controllers) {
      const instance = wrapper.instance as object | undefined;
      if (!instance || wrapper.metatype === UndeclaredProbeController) {
        continue;
      }
      const proto = Object.getPrototypeOf(instance);
      for (const name of scanner.getAllMethodNames(proto)) {
        const handler = proto[name];
        if (Reflect.getMetadata(METHOD_METADATA, handler) === undefined) {
          continue;
        }
        routes++;
        const decl = reflector.getAllAndOverride(AUTH_METADATA, [handler, wrapper.metatype as object]);
        if (!decl) {
          missing.push(`${wrapper.name}.${name} (${Reflect.getMetadata(PATH_METADATA, handler)})`);
        }
      }
    }
    expect(routes).toBeGreaterThan(3);
    expect(missing).toEqual([]);
  });

  it('a route without a declaration is refused at runtime (deny by default)', async () => {
    const res = await t.http().get('/api/v1/undeclared-probe').expect(401);
    expect(res.body.error.code).toBe('unauthorized');
    expect(res.body.leaked).toBeUndefined();
  });
});
