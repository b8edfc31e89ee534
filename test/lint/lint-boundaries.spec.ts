import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const ESLINT = join(ROOT, 'node_modules', 'eslint', 'bin', 'eslint.js');

interface LintMessage {
  ruleId: string | null;
  message: string;
}

/** Lints `code` as if it were the file at `path` (nothing is written), with the project's config. */
async function lint(path: string, code: string): Promise<LintMessage[]> {
  const linting = run(
    process.execPath,
    [ESLINT, '--stdin', '--stdin-filename', path, '-f', 'json'],
    {
      cwd: ROOT,
    },
  );
  linting.child.stdin?.end(code);
  // eslint exits 1 when it reports errors; its JSON report is on stdout either way.
  const { stdout } = await linting.catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }));
  const [result] = JSON.parse(stdout) as { messages: LintMessage[] }[];
  return result.messages;
}

/**
 * docs/ARCHITECTURE.md's boundaries, kept by `npm run lint`: each row is a deliberate
 * violation in a fixture, linted as if it lived at that path, and must fail with the rule named.
 */
const violations: [string, string, string, RegExp][] = [
  [
    'a deep import into another lib',
    'libs/pipeline/src/fixture.ts',
    "import { pushFunnel } from '@app/stats/src/push-figures';\nexport const f = pushFunnel;\n",
    /no deep imports/,
  ],
  [
    'runtime code importing a migration',
    'apps/cli/src/fixture.ts',
    "import { InitialSchema1732000000000 } from '@app/database/migrations/1732000000000-initial-schema';\nexport const m = InitialSchema1732000000000;\n",
    /migrations are frozen history/,
  ],
  [
    'a migration importing another migration',
    'libs/database/src/migrations/1799999999999-fixture.ts',
    "import { InitialSchema1732000000000 } from './1732000000000-initial-schema';\nexport const m = InitialSchema1732000000000;\n",
    /migrations are frozen history/,
  ],
  [
    'a relative import into another lib',
    'apps/api/src/fixture.ts',
    "import { Clock } from '../../../libs/common/src/time/clock';\nexport const c = Clock;\n",
    /@app\/ alias/,
  ],
  [
    'the time zone spelled outside the time helper',
    'libs/stats/src/fixture.ts',
    "export const zone = { zone: 'Asia/Shanghai' };\n",
    /time helper/,
  ],
  [
    'an id converted after it was read',
    'libs/stats/src/fixture.ts',
    'export const ids = (rows: { push_id: number }[]) => rows.map((r) => Number(r.push_id));\n',
    /ids are numbers where rows are read/,
  ],
  [
    'the pipeline querying the rules table itself',
    'libs/pipeline/src/fixture.ts',
    'export const sql = `SELECT id FROM wechat_push WHERE status = 0`;\n',
    /through push-config/,
  ],
  [
    "the pipeline reading a rule's slots through the entity",
    'libs/pipeline/src/fixture.ts',
    "import { WechatPushTime } from '@app/push-config';\nexport const e = WechatPushTime;\n",
    /through push-config/,
  ],
  [
    'an import running back up (stats importing the pipeline)',
    'libs/stats/src/fixture.ts',
    "import { PipelineQueues } from '@app/pipeline';\nexport const q = PipelineQueues;\n",
    /libs\/stats may import .* only/,
  ],
  [
    'an import sideways into a sibling (audience importing stats)',
    'libs/audience/src/fixture.ts',
    "import { StatsIngest } from '@app/stats';\nexport const s = StatsIngest;\n",
    /libs\/audience may import .* only/,
  ],
  [
    'a lib importing an app',
    'libs/audience/src/fixture.ts',
    "import { genLabel } from '../../../apps/cli/src/gen-data.command';\nexport const g = genLabel;\n",
    /never an app/,
  ],
  [
    'the WeCom callbacks lib reaching into the pipeline',
    'libs/wecom-callbacks/src/fixture.ts',
    "import { PipelineQueues } from '@app/pipeline';\nexport const q = PipelineQueues;\n",
    /libs\/wecom-callbacks may import @app\/common, @app\/contact-policy, @app\/contracts, @app\/database, @app\/identity, @app\/wecom only/,
  ],
  [
    'the pure experiments lib reaching for the database',
    'libs/experiments/src/fixture.ts',
    "import { SqlRunner } from '@app/database';\nexport const r = SqlRunner;\n",
    /libs\/experiments may import @app\/common, @app\/contracts only/,
  ],
  [
    'the identity lib reaching up into the ingestion core',
    'libs/identity/src/fixture.ts',
    "import { IngestOrdersService } from '@app/ingest';\nexport const s = IngestOrdersService;\n",
    /libs\/identity may import @app\/common, @app\/contracts, @app\/database only/,
  ],
  [
    'the ingestion core reaching for the audience',
    'libs/ingest/src/fixture.ts',
    "import { SelectAudienceService } from '@app/audience';\nexport const s = SelectAudienceService;\n",
    /libs\/ingest may import @app\/common, @app\/contracts, @app\/database, @app\/identity only/,
  ],
  [
    'the browser-safe contracts importing a package',
    'libs/contracts/src/fixture.ts',
    "import { DateTime } from 'luxon';\nexport const d = DateTime;\n",
    /imports nothing but its own files/,
  ],
  [
    'the console importing a server lib',
    'apps/admin/src/fixture.ts',
    "import { formatDate } from '@app/common';\nexport const f = formatDate;\n",
    /@app\/contracts only/,
  ],
];

describe('npm run lint keeps the boundaries', () => {
  // Each lint is a process of its own (~2 s); start them together and let the rows read theirs.
  const results = new Map<string, Promise<LintMessage[]>>();
  beforeAll(() => {
    for (const [name, path, code] of violations) results.set(name, lint(path, code));
  });

  it.each(violations)('fails on %s', async (name, _path, _code, expected) => {
    const messages = await results.get(name);
    expect(messages?.map((m) => m.message)).toEqual(
      expect.arrayContaining([expect.stringMatching(expected)]),
    );
  });

  it('passes the same places when they go through the public surfaces', async () => {
    const clean = [
      lint(
        'libs/pipeline/src/fixture.ts',
        "import { BUSINESS_TZ } from '@app/common';\nimport { PushRuleRepository } from '@app/push-config';\nimport { StatsIngest } from '@app/stats';\nexport const x = [BUSINESS_TZ, PushRuleRepository, StatsIngest];\n",
      ),
      lint(
        'apps/admin/src/fixture.ts',
        "import { BUSINESS_TZ } from '@app/contracts';\nexport const id = (p: { id: string }) => [Number(p.id), BUSINESS_TZ];\n",
      ),
      lint(
        'libs/database/src/migrations/index.ts',
        "import { InitialSchema1732000000000 } from './1732000000000-initial-schema';\nexport const ALL = [InitialSchema1732000000000];\n",
      ),
    ];
    for (const messages of await Promise.all(clean)) expect(messages).toEqual([]);
  });
});
