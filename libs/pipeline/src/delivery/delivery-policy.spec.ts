import { decideAfterPoll, DeliveryTiming, PollFacts } from './delivery-policy';

const T: DeliveryTiming = {
  pollIntervalMinutes: 60,
  maxHours: 72,
  remindAfterMinutes: 120,
  remindMaxPerDay: 3,
};
const sentAt = new Date('2025-03-03T02:00:00Z');
const after = (minutes: number) => new Date(sentAt.getTime() + minutes * 60_000);
const facts = (over: Partial<PollFacts>): PollFacts => ({
  sentAt,
  now: after(10),
  openRecipients: 5,
  pendingSenders: 1,
  runCancelled: false,
  ...over,
});

describe('decideAfterPoll (SPEC §6: poll until final or the window ends, remind who has not sent)', () => {
  it.each<[string, Partial<PollFacts>, Partial<DeliveryTiming>, unknown]>([
    ['every recipient final', { openRecipients: 0 }, {}, { state: 'final' }],
    [
      'final wins over an ended window',
      { openRecipients: 0, now: after(80 * 60) },
      {},
      { state: 'final' },
    ],
    ['run cancelled', { runCancelled: true }, {}, { state: 'final', reason: 'run cancelled' }],
    [
      'execution deadline passed',
      { taskCancelled: true },
      {},
      { state: 'final', reason: 'execution deadline passed' },
    ],
    ['window over', { now: after(72 * 60) }, {}, { state: 'expired' }],
    [
      'early: poll again, no reminder',
      {},
      {},
      { state: 'tracking', nextInMs: 3_600_000, remind: false },
    ],
    ['old enough: remind', { now: after(120) }, {}, { state: 'tracking', remind: true }],
    [
      'old enough but every member sent',
      { now: after(120), pendingSenders: 0 },
      {},
      { remind: false },
    ],
    ['reminders off', { now: after(600) }, { remindMaxPerDay: 0 }, { remind: false }],
    ['last poll lands on the window end', { now: after(72 * 60 - 10) }, {}, { nextInMs: 600_000 }],
  ])('%s', (_what, f, t, expected) => {
    expect(decideAfterPoll(facts(f), { ...T, ...t })).toMatchObject(expected as object);
  });
});
