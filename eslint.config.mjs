// @ts-check
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

/**
 * The boundaries between the libs (docs/ARCHITECTURE.md). test/lint-boundaries.spec.ts lints a
 * deliberate violation of each and expects it to fail.
 */
const MIGRATIONS = {
  group: ['**/migrations', '**/migrations/*', '@app/database/migrations*'],
  message:
    'migrations are frozen history: runtime code and other migrations never import one (libs/database exports the list)',
};
const IMPORT_BOUNDARIES = [
  { group: ['**/libs/*/src/*', '../../libs/**'], message: 'import libs by their @app/ alias' },
  { group: ['@app/*/*'], message: "no deep imports: use the lib's public index (@app/<lib>)" },
  MIGRATIONS,
];
const RULE_READS =
  "the pipeline reads rules through push-config's PushRuleRepository (one definition of an active rule)";
const TESTS = ['**/*.spec.ts', '**/*.spec.tsx', '**/*.e2e-spec.ts', '**/test/**'];
const TIME_ZONE_SYNTAX = {
  selector: "Literal[value='Asia/Shanghai']",
  message:
    'the business time zone comes from the time helper (BUSINESS_TZ and the functions of @app/common)',
};
const RUNTIME_SYNTAX = [
  TIME_ZONE_SYNTAX,
  {
    selector:
      "CallExpression[callee.name='Number'] > MemberExpression.arguments[property.name=/^(id|[a-z]+Id|[a-z]+_id)$/]",
    message:
      'ids are numbers where rows are read (entity columns and row types): no Number(x.id) afterwards',
  },
];

/**
 * Which libs each lib may import (apps sit above every lib; a lib never imports an app).
 * Anything not listed would run an import back up, or sideways into a sibling's tables.
 */
const LIB_DEPENDENCIES = {
  contracts: [],
  common: ['contracts'],
  database: ['common', 'contracts'],
  accounts: ['common', 'contracts'],
  audit: ['accounts', 'common', 'contracts'],
  'contact-policy': ['common', 'contracts', 'database'],
  'push-config': ['common', 'contact-policy', 'contracts', 'database'],
  audience: ['common', 'contact-policy', 'contracts', 'database', 'experiments', 'push-config'],
  wecom: ['common', 'contracts'],
  experiments: ['common', 'contracts'],
  'wecom-callbacks': ['common', 'contact-policy', 'contracts', 'database', 'identity', 'wecom'],
  identity: ['common', 'contracts', 'database'],
  ingest: ['common', 'contracts', 'database', 'identity'],
  youzan: ['common', 'contracts', 'database', 'ingest'],
  stats: ['common', 'contracts', 'database', 'experiments', 'push-config'],
  pipeline: [
    'audience',
    'common',
    'contact-policy',
    'contracts',
    'database',
    'experiments',
    'ingest',
    'push-config',
    'stats',
    'wecom',
  ],
};

/** no-restricted-imports for a lib's own source: the boundaries plus its allowed libs. */
function libImports(lib, { boundaries = IMPORT_BOUNDARIES, paths = [] } = {}) {
  const allowed = LIB_DEPENDENCIES[lib];
  const layering = {
    group: ['@app/*', ...allowed.map((a) => `!@app/${a}`), '**/apps/**'],
    message: `libs/${lib} may import ${allowed.length ? allowed.map((a) => `@app/${a}`).join(', ') : 'no lib'} only, and never an app (docs/ARCHITECTURE.md)`,
  };
  return ['error', { patterns: [...boundaries, layering], paths }];
}

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      'apps/admin/dist/**',
      'apps/admin/src/api/openapi.ts',
      '*.config.js',
      '*.config.mjs',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: {
      parserOptions: { sourceType: 'module' },
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-restricted-imports': ['error', { patterns: IMPORT_BOUNDARIES }],
    },
  },
  ...Object.keys(LIB_DEPENDENCIES)
    .filter((lib) => lib !== 'contracts')
    .map((lib) => ({
      files: [`libs/${lib}/src/**/*.ts`],
      ignores: TESTS,
      rules: {
        'no-restricted-imports': libImports(lib, {
          // One definition of a rule the scheduler fires: the pipeline reads rules through push-config.
          paths:
            lib === 'pipeline'
              ? [{ name: '@app/push-config', importNames: ['WechatPushTime'], message: RULE_READS }]
              : [],
        }),
      },
    })),
  {
    // Runtime code: the business time zone has one home, and ids are typed where rows are read.
    files: ['apps/*/src/**/*.ts', 'libs/*/src/**/*.ts'],
    ignores: [...TESTS, 'libs/database/src/migrations/**', 'libs/contracts/src/business-time.ts'],
    rules: { 'no-restricted-syntax': ['error', ...RUNTIME_SYNTAX] },
  },
  {
    // The console parses ids out of its URLs; the zone rule still holds there.
    files: ['apps/admin/src/**/*.{ts,tsx}'],
    ignores: TESTS,
    rules: {
      'no-restricted-syntax': ['error', TIME_ZONE_SYNTAX],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...IMPORT_BOUNDARIES,
            {
              group: ['@app/*', '!@app/contracts'],
              message:
                'the console runs in the browser: of the libs it imports @app/contracts only',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['libs/contracts/src/**/*.ts'],
    ignores: TESTS,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!\\./)',
              message: 'libs/contracts is browser-safe: it imports nothing but its own files',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['bench/**/*.ts'],
    rules: { 'no-restricted-syntax': ['error', TIME_ZONE_SYNTAX] },
  },
  {
    // One definition of a rule the scheduler fires: the pipeline reads rules through push-config.
    files: ['libs/pipeline/src/**/*.ts'],
    ignores: TESTS,
    rules: {
      'no-restricted-syntax': [
        'error',
        ...RUNTIME_SYNTAX,
        { selector: 'TemplateElement[value.raw=/\\bwechat_push(_time)?\\b/]', message: RULE_READS },
        { selector: 'Literal[value=/\\bwechat_push(_time)?\\b/]', message: RULE_READS },
      ],
    },
  },
  {
    // A migration is frozen history: its SQL is its own, so it imports nothing but typeorm.
    files: ['libs/database/src/migrations/*.ts'],
    ignores: ['libs/database/src/migrations/index.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['*', '!typeorm', '!typeorm/*'], message: MIGRATIONS.message }] },
      ],
    },
  },
  {
    // The migration list is the one place allowed to name the migrations.
    files: [
      'libs/database/src/migrations/index.ts',
      'libs/database/src/index.ts',
      'libs/database/src/data-source.options.ts',
    ],
    rules: {
      'no-restricted-imports': libImports('database', {
        boundaries: IMPORT_BOUNDARIES.filter((p) => p !== MIGRATIONS),
      }),
    },
  },
  {
    // Jest loads its global setup without the @app/ path mapping.
    files: ['test/global-setup.ts', 'test/global-teardown.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: IMPORT_BOUNDARIES.slice(1) }] },
  },
  {
    files: ['apps/admin/src/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
  {
    files: ['**/*.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
