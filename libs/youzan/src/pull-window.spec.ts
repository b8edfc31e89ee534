import { halves, nextWindow, slices } from './pull-window';

const at = (iso: string) => new Date(iso);
const MIN = 60_000;

describe('the pull window', () => {
  const settings = { overlapMs: 10 * MIN, initialMs: 30 * 24 * 60 * MIN };

  it.each([
    [
      'first pull: the initial span back from now',
      null,
      '2024-12-15T10:00:00.700Z',
      '2024-11-15T10:00:00.000Z',
      '2024-12-15T10:00:00.000Z',
    ],
    [
      'next pull: from the overlap before the watermark to now',
      '2024-12-15T10:00:00Z',
      '2024-12-15T10:05:30.250Z',
      '2024-12-15T09:50:00.000Z',
      '2024-12-15T10:05:30.000Z',
    ],
    [
      'a watermark in the future (clock set back) counts as now',
      '2024-12-16T00:00:00Z',
      '2024-12-15T10:00:00Z',
      '2024-12-15T09:50:00.000Z',
      '2024-12-15T10:00:00.000Z',
    ],
  ])('%s', (_case, watermark, now, start, end) => {
    const w = nextWindow(watermark === null ? null : at(watermark), at(now), settings);
    expect(w.start.toISOString()).toBe(start);
    expect(w.end.toISOString()).toBe(end);
  });

  it('overlaps the previous window by exactly the overlap, so a late-indexed trade is read', () => {
    const first = nextWindow(null, at('2024-12-15T10:00:00Z'), settings);
    const second = nextWindow(first.end, at('2024-12-15T10:05:00Z'), settings);
    expect(first.end.getTime() - second.start.getTime()).toBe(10 * MIN);
    // A trade updated 9 minutes before the first pull ended, but indexed only after it: inside.
    const late = first.end.getTime() - 9 * MIN;
    expect(late >= second.start.getTime() && late <= second.end.getTime()).toBe(true);
    // Without overlap the windows only share their boundary second, and that trade is lost.
    const bare = nextWindow(first.end, at('2024-12-15T10:05:00Z'), { ...settings, overlapMs: 0 });
    expect(bare.start.getTime()).toBe(first.end.getTime());
    expect(late >= bare.start.getTime()).toBe(false);
  });

  it('slices a window oldest first, each slice starting where the previous ended', () => {
    const w = { start: at('2024-12-01T00:00:00Z'), end: at('2024-12-03T12:00:00Z') };
    const s = slices(w, 24 * 60 * MIN);
    expect(s.map((x) => [x.start.toISOString(), x.end.toISOString()])).toEqual([
      ['2024-12-01T00:00:00.000Z', '2024-12-02T00:00:00.000Z'],
      ['2024-12-02T00:00:00.000Z', '2024-12-03T00:00:00.000Z'],
      ['2024-12-03T00:00:00.000Z', '2024-12-03T12:00:00.000Z'],
    ]);
  });

  it('a window of one instant is one slice', () => {
    const w = { start: at('2024-12-01T00:00:00Z'), end: at('2024-12-01T00:00:00Z') };
    expect(slices(w, MIN)).toHaveLength(1);
  });

  it('halves a dense slice at a whole second, and stops below two seconds', () => {
    const [a, b] = halves({ start: at('2024-12-01T00:00:00Z'), end: at('2024-12-01T00:00:05Z') })!;
    expect(a.end.toISOString()).toBe('2024-12-01T00:00:02.000Z');
    expect(b.start.getTime()).toBe(a.end.getTime());
    expect(
      halves({ start: at('2024-12-01T00:00:00Z'), end: at('2024-12-01T00:00:01Z') }),
    ).toBeNull();
  });
});
