import { addSlots, removeSlot, slotsByWeekday } from './slots';

describe('slot editing', () => {
  it('adds a time on each chosen weekday, sorted', () => {
    const r = addSlots([{ week: 5, time: '09:00' }], [3, 1], '10:00');
    expect(r.slots).toEqual([
      { week: 1, time: '10:00' },
      { week: 3, time: '10:00' },
      { week: 5, time: '09:00' },
    ]);
    expect(r.duplicates).toEqual([]);
  });

  it('never adds a slot twice and reports the ones that existed', () => {
    const start = [{ week: 1, time: '10:00' }];
    const r = addSlots(start, [1, 2, 2], '10:00');
    expect(r.slots).toEqual([
      { week: 1, time: '10:00' },
      { week: 2, time: '10:00' },
    ]);
    expect(r.duplicates).toEqual([{ week: 1, time: '10:00' }]);
  });

  it('removes exactly one slot', () => {
    const slots = [
      { week: 1, time: '10:00' },
      { week: 1, time: '14:00' },
      { week: 2, time: '10:00' },
    ];
    expect(removeSlot(slots, { week: 1, time: '10:00' })).toEqual([
      { week: 1, time: '14:00' },
      { week: 2, time: '10:00' },
    ]);
  });

  it('groups by weekday in week order, Sunday last', () => {
    expect(
      slotsByWeekday([
        { week: 7, time: '08:00' },
        { week: 1, time: '14:00' },
        { week: 1, time: '09:00' },
      ]),
    ).toEqual([
      { week: 1, times: ['09:00', '14:00'] },
      { week: 7, times: ['08:00'] },
    ]);
  });
});
