/**
 * The roles, each including every one before it (docs/SECURITY.md "Roles"). Stored in
 * accounts.role and api_keys.role: never rename a shipped value. Shared with the console,
 * which hides what a role cannot do (the api refuses it either way).
 */
export const ROLES = ['viewer', 'editor', 'approver', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Whether `held` includes `needed` (admin includes approver includes editor includes viewer). */
export function roleIncludes(held: Role, needed: Role): boolean {
  return ROLES.indexOf(held) >= ROLES.indexOf(needed);
}
