import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const DIR = path.join(ROOT, 'deploy/prometheus');
const RULES = readFileSync(path.join(DIR, 'alerts.yml'), 'utf8');

/** The alerts issue 18 asks for. */
const REQUIRED = [
  'WppSchedulerStale',
  'WppSlotMissed',
  'WppBatchUnknownUnresolved',
  'WppBatchFailureRate',
  'WppWecomRateLimited',
  'WppQueueBacklog',
  'WppNotFriendShareSpike',
  'WppAudienceEmpty',
  'WppAudienceSurge',
  'WppOrderDataStale',
];

/** Debian's `prometheus` package ships promtool; PROMTOOL may point elsewhere. */
function findPromtool(): string | undefined {
  const candidate = process.env.PROMTOOL ?? 'promtool';
  const probe = spawnSync(candidate, ['--version'], { encoding: 'utf8' });
  return probe.status === 0 ? candidate : undefined;
}

/** Each `- alert:` entry of alerts.yml with the lines up to the next rule (line-based). */
function alertBlocks(text: string): Map<string, string> {
  const blocks = new Map<string, string>();
  const parts = text.split(/^\s+- (?=alert:|record:)/m).slice(1);
  for (const part of parts) {
    const m = /^alert: (\w+)\n/.exec(part);
    if (m) blocks.set(m[1], part);
  }
  return blocks;
}

const promtool = findPromtool();

describe('deploy/prometheus/alerts.yml', () => {
  if (promtool) {
    it('passes promtool check rules', () => {
      const r = spawnSync(promtool, ['check', 'rules', 'alerts.yml'], {
        cwd: DIR,
        encoding: 'utf8',
      });
      expect({ status: r.status, out: r.stdout + r.stderr }).toEqual({
        status: 0,
        out: expect.stringMatching(/SUCCESS: \d+ rules found/),
      });
    });

    it('prometheus.example.yml is valid configuration (promtool check config --syntax-only)', () => {
      const r = spawnSync(
        promtool,
        ['check', 'config', '--syntax-only', 'prometheus.example.yml'],
        {
          cwd: DIR,
          encoding: 'utf8',
        },
      );
      expect({ status: r.status, out: r.stdout + r.stderr }).toEqual({
        status: 0,
        out: expect.stringContaining('SUCCESS'),
      });
    });

    it('fires on synthetic series as alerts.test.yml expects (promtool test rules)', () => {
      const r = spawnSync(promtool, ['test', 'rules', 'alerts.test.yml'], {
        cwd: DIR,
        encoding: 'utf8',
      });
      expect({ status: r.status, out: r.stdout + r.stderr }).toEqual({
        status: 0,
        out: expect.stringContaining('SUCCESS'),
      });
    });
  } else {
    it('promtool is not installed: YAML schema check instead (each alert has expr, severity, summary, description, runbook)', () => {
      const blocks = alertBlocks(RULES);
      expect(RULES).toMatch(/^groups:\n/m);
      expect(blocks.size).toBeGreaterThanOrEqual(9);
      for (const [name, block] of blocks) {
        expect({ name, ok: /\n\s+expr: \S/.test(block) }).toEqual({ name, ok: true });
        expect({ name, ok: /\n\s+severity: (page|warn)\n/.test(block) }).toEqual({
          name,
          ok: true,
        });
        for (const key of ['summary', 'description', 'runbook'])
          expect({ name, key, ok: new RegExp(`\\n\\s+${key}: \\S`).test(block) }).toEqual({
            name,
            key,
            ok: true,
          });
      }
      expect(RULES).not.toMatch(/\t/);
    });
  }

  it('alerts.test.yml evaluates the recording group before the alerts that read it (promtool orders unlisted groups at random)', () => {
    const test = readFileSync(path.join(DIR, 'alerts.test.yml'), 'utf8');
    const groups = [...RULES.matchAll(/^ {2}- name: (\S+)$/gm)].map((m) => m[1]);
    const order = /^group_eval_order:\n((?: {2}- \S+\n)+)/m
      .exec(test)?.[1]
      .split('\n')
      .filter(Boolean)
      .map((l) => l.replace(/^ {2}- /, ''));
    expect(groups).toEqual(['wpp.recording', 'wpp.alerts']);
    expect(order).toEqual(groups);
  });

  it('has every alert the issue asks for, each with a runbook section in OPERATIONS.md', () => {
    const blocks = alertBlocks(RULES);
    expect([...blocks.keys()]).toEqual(expect.arrayContaining(REQUIRED));
    const operations = readFileSync(path.join(ROOT, 'docs/OPERATIONS.md'), 'utf8');
    for (const [name, block] of blocks) {
      const anchor = /runbook: docs\/OPERATIONS\.md#([a-z0-9-]+)/.exec(block)?.[1];
      expect({ name, anchor }).toEqual({ name, anchor: name.toLowerCase() });
      expect({ name, heading: operations.includes(`#### ${name}\n`) }).toEqual({
        name,
        heading: true,
      });
    }
  });

  it('the alerts and the Grafana dashboard use only series the apps expose or the rules record', () => {
    const sources = [
      'libs/pipeline/src/metrics/pipeline-metrics.ts',
      'libs/wecom/src/wecom-transport.service.ts',
      'apps/worker/src/metrics/queue-metrics.ts',
      'apps/worker/src/metrics/selection-metrics.ts',
      'apps/worker/src/alerts/alert-notifier.service.ts',
      'libs/ingest/src/core/ingest-metrics.ts',
    ]
      .map((f) => readFileSync(path.join(ROOT, f), 'utf8'))
      .join('\n');
    const dashboard = JSON.parse(
      readFileSync(path.join(ROOT, 'deploy/grafana/wpp-dashboard.json'), 'utf8'),
    ) as { panels: { type: string; targets?: { expr: string }[] }[] };
    const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    expect(exprs.length).toBeGreaterThan(15);
    const recorded = new Set([...RULES.matchAll(/- record: (\S+)/g)].map((m) => m[1]));
    for (const text of [RULES, ...exprs]) {
      for (const [name] of text.matchAll(/\bwpp_[a-z_]+\b/g)) {
        const base = name.replace(/_(bucket|count|sum)$/, '');
        expect({ name, exposed: sources.includes(`name: '${base}'`) }).toEqual({
          name,
          exposed: true,
        });
      }
      for (const [name] of text.matchAll(/\bwpp:[a-z_0-9:]+/g)) {
        expect({ name, recorded: recorded.has(name) }).toEqual({ name, recorded: true });
      }
    }
  });
});
