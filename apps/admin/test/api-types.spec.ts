import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { API_TYPES_FILE, buildApiDocument, staleness } from '../../../scripts/gen-api-types';

/**
 * The console's API types are generated from the api's OpenAPI document; `npm run lint`
 * runs `check:api-types`, which must fail when the api changed and the file was not
 * regenerated. The tree is never modified: changed inputs live in a temporary directory.
 */
const root = join(__dirname, '../../..');
const typesFile = join(root, API_TYPES_FILE);
const checkedIn = readFileSync(typesFile, 'utf8');

/** `npm run check:api-types -- <args>`, resolving to its exit code and output. */
async function checkApiTypes(...args: string[]) {
  const script = ['ts-node', '-r', 'tsconfig-paths/register', '--transpile-only'];
  try {
    const { stdout, stderr } = await promisify(execFile)(
      'npx',
      [...script, 'scripts/gen-api-types.ts', '--check', ...args],
      { cwd: root },
    );
    return { code: 0, output: stdout + stderr };
  } catch (e) {
    const failed = e as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'api-types-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  expect(readFileSync(typesFile, 'utf8')).toBe(checkedIn);
});

describe('generated console API types', () => {
  it('pass the check as checked in', async () => {
    const { code, output } = await checkApiTypes();
    expect(output).toContain(`${API_TYPES_FILE} is current.`);
    expect(code).toBe(0);
  });

  it('fail the check when the api changes without regenerating', async () => {
    // The api's document with PushRuleView's `name` removed, as a DTO edit would give it.
    const document = await buildApiDocument();
    const view = document.components?.schemas?.PushRuleView as {
      properties: Record<string, unknown>;
      required: string[];
    };
    delete view.properties.name;
    view.required = view.required.filter((f) => f !== 'name');
    const changed = join(dir, 'openapi.json');
    writeFileSync(changed, JSON.stringify(document));

    const { code, output } = await checkApiTypes('--document', changed);
    expect(code).toBe(1);
    expect(output).toMatch(/apps\/admin\/src\/api\/openapi\.ts is stale/);
    expect(output).toMatch(/found "\s+name: string;"/);
    expect(output).toContain('Run `npm run gen:api-types` and commit the result.');
  });

  it('fail the check when the file was edited by hand', async () => {
    const edited = join(dir, 'openapi.ts');
    writeFileSync(edited, checkedIn.replace('pages: number;', 'pages: string;'));
    const { code, output } = await checkApiTypes('--file', edited);
    expect(code).toBe(1);
    expect(output).toMatch(/is stale: .*expected "\s+pages: number;", found "\s+pages: string;"/);
  });

  it('names a missing file', () => {
    expect(staleness(undefined, checkedIn)).toBe(`${API_TYPES_FILE} is missing.`);
    expect(staleness(checkedIn, checkedIn)).toBeUndefined();
  });
});
