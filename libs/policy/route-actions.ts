import { AUTH_METADATA, type AuthRequirement } from '@libs/auth/auth.decorators';
import { Injectable } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common/enums/request-method.enum';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { deriveAction, routeTemplate, type RouteAction } from './actions';

const joinPath = (...parts: string[]) => routeTemplate(`/${parts.filter(Boolean).join('/')}`, '');

/**
 * The action name of each route: derived once per route template (the guard's hot path is a map
 * look-up), and the table of every policy-checked route (`GET /policies/actions`).
 */
@Injectable()
export class RouteActions {
  private readonly byRoute = new Map<string, string>();
  private table?: RouteAction[];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  /** `method` and the route template as Express matched it (`/api/v1/sources/:id/sync`). */
  of(method: string, routePath: string): string {
    const key = `${method} ${routePath}`;
    let action = this.byRoute.get(key);
    if (!action) {
      action = deriveAction(method, routePath);
      this.byRoute.set(key, action);
    }
    return action;
  }

  /** Every route a user subject calls (public and service routes are not policy-checked), sorted by path. */
  list(): RouteAction[] {
    this.table ??= this.collect();
    return this.table;
  }

  private collect(): RouteAction[] {
    const out: RouteAction[] = [];
    for (const wrapper of this.discovery.getControllers()) {
      const type = wrapper.metatype as (abstract new (...args: never[]) => unknown) | null;
      if (!type) {
        continue;
      }
      const base = this.reflector.get<string | string[] | undefined>(PATH_METADATA, type) ?? '';
      const proto = type.prototype as Record<string, (...args: unknown[]) => unknown>;
      for (const name of this.scanner.getAllMethodNames(proto)) {
        const handler = proto[name];
        const path = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (path === undefined || method === undefined) {
          continue;
        }
        const auth = this.reflector.getAllAndOverride<AuthRequirement | undefined>(AUTH_METADATA, [handler, type]);
        if (auth?.kind !== 'user') {
          continue;
        }
        const verb = RequestMethod[method];
        for (const b of [base].flat()) {
          for (const p of [path].flat()) {
            const template = joinPath(b, p);
            out.push({ method: verb, path: template, action: deriveAction(verb, template) });
          }
        }
      }
    }
    return out.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
  }
}
