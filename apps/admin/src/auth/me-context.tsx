import { createContext, useContext } from 'react';
import { type Role, roleIncludes } from '@app/contracts';
import type { Me } from '../api/types';

/**
 * Who the console is signed in as (`/auth/me`), read once after sign-in. Pages ask `useCan`
 * before showing an action: a role that cannot do it does not see it. The api refuses it
 * either way (docs/SECURITY.md); hiding only spares the operator a 403.
 */
export const MeContext = createContext<Me | null>(null);

export function useMe(): Me | null {
  return useContext(MeContext);
}

/** Whether the signed-in role includes `needed` (false until `/auth/me` has answered). */
export function useCan(needed: Role): boolean {
  const me = useContext(MeContext);
  return me !== null && roleIncludes(me.role, needed);
}
