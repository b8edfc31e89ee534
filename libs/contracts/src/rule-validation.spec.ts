import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isCalendarDate, utf8Bytes } from './rule-validation';

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

  it('imports nothing, so the browser bundle can take it', () => {
    const source = readFileSync(join(__dirname, 'rule-validation.ts'), 'utf8');
    expect(source).not.toMatch(/^\s*import\b|\brequire\(/m);
    expect(readFileSync(join(__dirname, 'index.ts'), 'utf8')).not.toMatch(/^\s*import\b/m);
  });
});
