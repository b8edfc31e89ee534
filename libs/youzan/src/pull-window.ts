/** A span of update times, both ends included (Youzan's start_update / end_update). */
export interface UpdateWindow {
  start: Date;
  end: Date;
}

interface WindowSettings {
  /** How far before the watermark the next window starts. */
  overlapMs: number;
  /** How far back the first window (no watermark) starts. */
  initialMs: number;
}

const SECOND = 1000;
const floorSecond = (ms: number) => Math.floor(ms / SECOND) * SECOND;

/**
 * The window of the next pull: from `overlapMs` before the watermark (where the last
 * successful pull ended) — or `initialMs` before now on the first pull — up to now, both at
 * whole seconds as Youzan's times are. A trade that Youzan indexes late, with an update time
 * up to `overlapMs` before the watermark, is still read; one read twice is upserted twice,
 * which changes nothing. A watermark in the future (a clock set back) counts as now.
 */
export function nextWindow(
  watermark: Date | null,
  now: Date,
  settings: WindowSettings,
): UpdateWindow {
  const end = floorSecond(now.getTime());
  const start =
    watermark === null
      ? floorSecond(end - settings.initialMs)
      : floorSecond(Math.min(watermark.getTime(), end) - settings.overlapMs);
  return { start: new Date(start), end: new Date(end) };
}

/**
 * The window cut into consecutive slices of at most `maxMs`, oldest first, so the watermark
 * can advance slice by slice and no query spans more than Youzan allows. Slices share their
 * boundary second (both ends are included), which only reads a trade twice.
 */
export function slices(window: UpdateWindow, maxMs: number): UpdateWindow[] {
  const out: UpdateWindow[] = [];
  const step = Math.max(SECOND, floorSecond(maxMs));
  let from = window.start.getTime();
  const to = window.end.getTime();
  do {
    const until = Math.min(from + step, to);
    out.push({ start: new Date(from), end: new Date(until) });
    from = until;
  } while (from < to);
  return out;
}

/** The two halves of a window (a slice holding more trades than paging can reach). */
export function halves(window: UpdateWindow): [UpdateWindow, UpdateWindow] | null {
  const from = window.start.getTime();
  const to = window.end.getTime();
  if (to - from < 2 * SECOND) return null;
  const mid = floorSecond(from + (to - from) / 2);
  return [
    { start: new Date(from), end: new Date(mid) },
    { start: new Date(mid), end: new Date(to) },
  ];
}
