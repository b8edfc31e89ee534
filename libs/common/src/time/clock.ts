import { Injectable } from '@nestjs/common';

/**
 * The one source of "now". Services take it by injection so tests set the time
 * instead of sleeping.
 */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}

/** A clock tests can set and advance. */
export class FixedClock extends Clock {
  constructor(private current: Date) {
    super();
  }

  override now(): Date {
    return new Date(this.current.getTime());
  }

  set(at: Date): void {
    this.current = new Date(at.getTime());
  }

  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

/**
 * Real time shifted by a fixed offset: queue delays still run in real time, while the app
 * believes it is, e.g., three seconds before a slot minute (tests of "fires at its minute").
 */
export class OffsetClock extends Clock {
  constructor(private offsetMs = 0) {
    super();
  }

  override now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  /** Shifts the clock so that now() is `at` at this moment. */
  setNow(at: Date): void {
    this.offsetMs = at.getTime() - Date.now();
  }
}
