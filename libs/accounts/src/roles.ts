import { ExecutionContext, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { isPublicRoute } from '@app/common';
import { Role } from '@app/contracts';

export { ROLES, Role, roleIncludes } from '@app/contracts';

const REQUIRED_ROLE = 'wpp:requiredRole';

/**
 * The least role a route needs. Every route declares one (or is `@Public()`): the global
 * AccessGuard refuses a route without, and the api refuses to start with one (RouteAccessCheck).
 */
export const RequireRole = (role: Role) => SetMetadata(REQUIRED_ROLE, role);

/** What the route of `context` declares: 'public', its least role, or undefined (nothing). */
export function declaredAccess(
  reflector: Reflector,
  context: Pick<ExecutionContext, 'getHandler' | 'getClass'>,
): Role | 'public' | undefined {
  if (isPublicRoute(reflector, context as ExecutionContext)) return 'public';
  return reflector.getAllAndOverride<Role | undefined>(REQUIRED_ROLE, [
    context.getHandler(),
    context.getClass(),
  ]);
}

const CSRF_EXEMPT = 'wpp:csrfExempt';

/**
 * A POST route a signed-in browser may call without X-CSRF-Token: only /auth/me, which reads
 * and hands out that token (after a reload the console has the cookie but not the token). A
 * cross-site page cannot read its answer (no CORS), and SameSite=Strict keeps the cookie off
 * cross-site requests anyway.
 */
export const CsrfExempt = () => SetMetadata(CSRF_EXEMPT, true);

export function isCsrfExempt(
  reflector: Reflector,
  context: Pick<ExecutionContext, 'getHandler' | 'getClass'>,
): boolean {
  return reflector.get<boolean | undefined>(CSRF_EXEMPT, context.getHandler()) === true;
}
