import { DateTime } from 'luxon';
import {
  addDays,
  endOfDay,
  formatClockTime,
  formatDate,
  formatDateTime,
  isCalendarDate,
  isCalendarDateTime,
  isClockTime,
  parseBusinessDateTime,
  shanghaiInstant,
  startOfDay,
  weekDay,
} from './shanghai-time';

describe('calendar checks', () => {
  it.each([
    ['2024-01-01', true],
    ['2024-02-29', true],
    ['2023-02-29', false],
    ['2024-02-30', false],
    ['2024-13-01', false],
    ['2024-00-10', false],
    ['2024-1-1', false],
    ['20240101', false],
    ['2024-01-01 ', false],
    ['', false],
  ])('isCalendarDate(%j) = %s', (v, ok) => expect(isCalendarDate(v)).toBe(ok));

  it.each([
    ['00:00', true],
    ['23:59', true],
    ['09:05', true],
    ['24:00', false],
    ['12:60', false],
    ['9:05', false],
    ['12:5', false],
    ['12:05:00', false],
  ])('isClockTime(%j) = %s', (v, ok) => expect(isClockTime(v)).toBe(ok));

  it.each([
    ['2024-03-01 00:00:00', true],
    ['2024-03-01 23:59:59', true],
    ['2024-02-30 10:00:00', false],
    ['2024-03-01 24:00:00', false],
    ['2024-03-01T10:00:00', false],
  ])('isCalendarDateTime(%j) = %s', (v, ok) => expect(isCalendarDateTime(v)).toBe(ok));
});

describe('Asia/Shanghai arithmetic, whatever the process TZ', () => {
  // 2024-03-03 16:30 UTC is Monday 2024-03-04 00:30 in Shanghai.
  const at = new Date('2024-03-03T16:30:00Z');

  it('formats in Shanghai', () => {
    expect(formatDate(at)).toBe('2024-03-04');
    expect(formatDateTime(at)).toBe('2024-03-04 00:30:00');
  });

  it('numbers weekdays 1..7 with 7 = Sunday', () => {
    expect(weekDay(at)).toBe(1);
    expect(weekDay(new Date('2024-03-03T15:59:59Z'))).toBe(7);
  });

  it('finds day boundaries in Shanghai', () => {
    expect(startOfDay(at).toISOString()).toBe('2024-03-03T16:00:00.000Z');
    expect(endOfDay(at).toISOString()).toBe('2024-03-04T15:59:59.000Z');
    expect(formatDate(addDays(at, -45))).toBe('2024-01-19');
  });

  it('parses Shanghai wall-clock values', () => {
    expect(shanghaiInstant('2024-01-01').toISOString()).toBe('2023-12-31T16:00:00.000Z');
    expect(parseBusinessDateTime('2024-01-01 08:00:00').toISOString()).toBe(
      '2024-01-01T00:00:00.000Z',
    );
    expect(() => parseBusinessDateTime('2024-02-30')).toThrow(RangeError);
  });
});

describe('formatting agrees with the zone database', () => {
  const viaZone = (at: Date) =>
    DateTime.fromJSDate(at, { zone: 'Asia/Shanghai' }).toFormat('yyyy-MM-dd HH:mm:ss');

  it('on instants spread over 1970..2100, including every Shanghai midnight edge', () => {
    let seed = 7;
    const next = () => (seed = (seed * 48271) % 2147483647);
    const instants = [
      new Date('1991-07-01T12:00:00Z'), // summer time (UTC+9) in 1991
      new Date('1991-12-31T15:59:59Z'),
      new Date('1991-12-31T16:00:00Z'),
      new Date('2024-02-28T16:00:00Z'),
      new Date('2099-12-31T15:59:59.999Z'),
    ];
    for (let i = 0; i < 2000; i++) instants.push(new Date(next() * 2_000 + (next() % 1000)));
    for (const at of instants) {
      expect(formatDateTime(at)).toBe(viaZone(at));
      expect(formatDate(at)).toBe(viaZone(at).slice(0, 10));
      expect(formatClockTime(at)).toBe(viaZone(at).slice(11, 16));
    }
  });
});

describe('the fixed-offset shortcuts agree with the zone database', () => {
  const zone = { zone: 'Asia/Shanghai' };
  let seed = 11;
  const next = () => (seed = (seed * 48271) % 2147483647);

  it('isCalendarDate on every day of 1985..2030 and the century years, and impossible days', () => {
    const years = [1900, 2000, 2100, 2400];
    for (let y = 1985; y <= 2030; y++) years.push(y);
    for (const year of years) {
      for (let month = 0; month <= 13; month++) {
        for (let day = 0; day <= 32; day++) {
          const v = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
          const viaZone = DateTime.fromObject({ year, month, day }, zone).isValid;
          if (isCalendarDate(v) !== viaZone) throw new Error(`${v}: expected ${viaZone}`);
        }
      }
    }
    expect(isCalendarDate('0000-02-29')).toBe(true);
  });

  it('shanghaiInstant and endOfDay on instants spread over 1970..2100, including 1991 summer time', () => {
    const instants = [
      new Date('1991-07-01T12:00:00Z'),
      new Date('1991-12-31T15:59:59Z'),
      new Date('1991-12-31T16:00:00Z'),
      new Date('2024-02-28T16:00:00Z'),
      new Date('2099-12-31T15:59:59.999Z'),
    ];
    for (let i = 0; i < 1000; i++) instants.push(new Date(next() * 2_000 + (next() % 1000)));
    for (const at of instants) {
      const wall = DateTime.fromJSDate(at, zone);
      expect(endOfDay(at)).toEqual(wall.endOf('day').set({ millisecond: 0 }).toJSDate());
      const [date, time] = [wall.toFormat('yyyy-MM-dd'), wall.toFormat('HH:mm:ss')];
      const expected = DateTime.fromISO(`${date}T${time}`, zone).toJSDate();
      expect(shanghaiInstant(date, time)).toEqual(expected);
      expect(shanghaiInstant(date, time.slice(0, 5))).toEqual(
        DateTime.fromISO(`${date}T${time.slice(0, 5)}`, zone).toJSDate(),
      );
      expect(shanghaiInstant(date)).toEqual(DateTime.fromISO(`${date}T00:00:00`, zone).toJSDate());
    }
  });

  it('shanghaiInstant still refuses impossible dates and times', () => {
    expect(() => shanghaiInstant('2024-02-30')).toThrow(RangeError);
    expect(() => shanghaiInstant('2024-01-01', '24:00:01')).toThrow(RangeError);
  });
});
