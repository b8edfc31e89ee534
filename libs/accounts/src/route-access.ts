import { Injectable, OnApplicationBootstrap, RequestMethod, Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer, Reflector } from '@nestjs/core';
import { declaredAccess, Role } from './roles';

interface RouteAccess {
  method: string;
  /** `/wechatpush/create` (no parameters: every route here has a fixed path). */
  path: string;
  /** 'public', the least role, or undefined when the route declares nothing. */
  access: Role | 'public' | undefined;
}

const paths = (v: string | string[] | undefined) => (Array.isArray(v) ? v : [v ?? '']);
const join = (...parts: string[]) =>
  `/${parts
    .flatMap((p) => p.split('/'))
    .filter(Boolean)
    .join('/')}`;

/** Every controller route of the app with what it declares (read from Nest's metadata). */
export function routeTable(modules: ModulesContainer, reflector: Reflector): RouteAccess[] {
  const seen = new Map<string, RouteAccess>();
  for (const module of modules.values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type | null;
      if (!controller) continue;
      const prefixes = paths(Reflect.getMetadata(PATH_METADATA, controller));
      const proto = controller.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(proto)) {
        const handler = proto[name];
        if (typeof handler !== 'function' || name === 'constructor') continue;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (method === undefined) continue;
        const access = declaredAccess(reflector, {
          getHandler: () => handler as () => void,
          getClass: () => controller,
        });
        for (const prefix of prefixes) {
          for (const sub of paths(Reflect.getMetadata(PATH_METADATA, handler))) {
            const route = { method: RequestMethod[method], path: join(prefix, sub), access };
            seen.set(`${route.method} ${route.path}`, route);
          }
        }
      }
    }
  }
  return [...seen.values()].sort((a, b) =>
    `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`),
  );
}

/**
 * Refuses to start an app with a route that is neither `@Public()` nor `@RequireRole(…)`:
 * the guard would refuse it to everyone anyway, and a missing declaration is a bug to fix
 * before deploying, not a 403 to discover afterwards.
 */
@Injectable()
export class RouteAccessCheck implements OnApplicationBootstrap {
  constructor(
    private readonly modules: ModulesContainer,
    private readonly reflector: Reflector,
  ) {}

  onApplicationBootstrap(): void {
    const undeclared = routeTable(this.modules, this.reflector).filter(
      (r) => r.access === undefined,
    );
    if (undeclared.length > 0) {
      throw new Error(
        `routes without @Public() or @RequireRole(): ${undeclared
          .map((r) => `${r.method} ${r.path}`)
          .join(', ')}`,
      );
    }
  }
}
