import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isCalendarDate } from './business-time';
import { utf8Bytes } from './rule-validation';

/** The rule checks themselves: libs/push-config/src/rule-agreement.spec.ts (api and console agree). */
describe('helpers', () => {
  it('counts UTF-8 bytes as WeCom does', () => {
    expect(['a', 'é', '喵', '🐱'].map(utf8Bytes)).toEqual([1, 2, 3, 4]);
    expect(utf8Bytes('喵～主人')).toBe(Buffer.byteLength('喵～主人', 'utf8'));
  });

  it.each([
    ['2024-02-29', true],
    ['2000-02-29', true],
    ['1900-02-29', false],
    ['2023-02-29', false],
    ['2024-04-31', false],
    ['2024-13-01', false],
    ['2024-00-10', false],
    ['2024-1-01', false],
  ])('isCalendarDate(%s) = %s', (s, ok) => expect(isCalendarDate(s)).toBe(ok));

  it('imports nothing but its own files, so the browser bundle can take it', () => {
    const sources = readdirSync(__dirname).filter(
      (f) => f.endsWith('.ts') && !f.includes('.spec.'),
    );
    expect(sources).toEqual(expect.arrayContaining(['index.ts', 'rule-validation.ts']));
    for (const file of sources) {
      const source = readFileSync(join(__dirname, file), 'utf8');
      const from = [...source.matchAll(/\bfrom '([^']+)'|\brequire\('([^']+)'\)/g)];
      expect({
        file,
        imports: from.map((m) => m[1] ?? m[2]).filter((m) => !m.startsWith('./')),
      }).toEqual({
        file,
        imports: [],
      });
    }
  });
});
