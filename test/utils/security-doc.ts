import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Role, ROLES, roleIncludes } from '@app/accounts';

export interface DocumentedRoute {
  method: 'GET' | 'POST';
  path: string;
  access: Role | 'public';
  /** The per-role columns as written (viewer, editor, approver, admin): '✓' or '403'. */
  answers: string[];
  /** What the row says in the last column. */
  what: string;
  /** What each per-role column must say, given the least role. */
  expectedAnswers: string[];
}

/** The route × role table of docs/SECURITY.md, as written there. */
export function documentedRoutes(): DocumentedRoute[] {
  const text = readFileSync(join(__dirname, '../../docs/SECURITY.md'), 'utf8');
  const rows: DocumentedRoute[] = [];
  const line =
    /^\| (GET|POST) \| `([^`]+)` \| (\w+) \| (.+?) \| (.+?) \| (.+?) \| (.+?) \| (.*?) \|$/gm;
  for (const m of text.matchAll(line)) {
    const access = m[3] as DocumentedRoute['access'];
    rows.push({
      method: m[1] as DocumentedRoute['method'],
      path: m[2],
      access,
      answers: m.slice(4, 8),
      what: m[8],
      expectedAnswers: ROLES.map((r) =>
        access === 'public' || roleIncludes(r, access) ? '✓' : '403',
      ),
    });
  }
  return rows;
}
