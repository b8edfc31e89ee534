import { FillingBatch, groupBySender, planFill } from './sender-batches';

const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('planFill: a page joins the run’s batches of its (variant, sender)', () => {
  it.each<[string, FillingBatch[], number, string | null, number, string[]]>([
    ['no open batch, fewer than size: one filling batch', [], 0, 'a', 3, ['insert 3']],
    ['no open batch, exactly size: one full batch', [], 0, 'a', 4, ['insert 4 full']],
    [
      'no open batch, 9 at size 4: two full, one filling',
      [],
      0,
      'a',
      9,
      ['insert 4 full', 'insert 4 full', 'insert 1'],
    ],
    [
      'an open batch of 1 takes 3 and is full; the rest starts a new one',
      [{ id: 7, sender: 'a', variant: 0, recipientCount: 1 }],
      0,
      'a',
      5,
      ['append 7: 3 full', 'insert 2'],
    ],
    [
      'an open batch takes what fits without filling',
      [{ id: 7, sender: 'a', variant: 0, recipientCount: 1 }],
      0,
      'a',
      2,
      ['append 7: 2'],
    ],
    [
      'another sender’s open batch is not used',
      [{ id: 7, sender: 'b', variant: 0, recipientCount: 1 }],
      0,
      'a',
      2,
      ['insert 2'],
    ],
    [
      'another variant’s open batch is not used',
      [{ id: 7, sender: 'a', variant: 1, recipientCount: 1 }],
      0,
      'a',
      2,
      ['insert 2'],
    ],
    [
      'no sender (WeCom assigns) fills like a sender',
      [{ id: 7, sender: null, variant: 0, recipientCount: 3 }],
      0,
      null,
      1,
      ['append 7: 1 full'],
    ],
  ])('%s', (_what, open, variant, sender, n, expected) => {
    const steps = planFill(open, { variant, sender, recipients: ids('e', n) }, 4);
    expect(
      steps.map((s) =>
        s.kind === 'append'
          ? `append ${s.batchId}: ${s.recipients.length}${s.full ? ' full' : ''}`
          : `insert ${s.recipients.length}${s.full ? ' full' : ''}`,
      ),
    ).toEqual(expected);
    // Every recipient once, in order.
    expect(steps.flatMap((s) => s.recipients)).toEqual(ids('e', n));
  });

  it('a batch it fills leaves the open list; one it does not fill stays with its new count', () => {
    const open: FillingBatch[] = [
      { id: 1, sender: 'a', variant: 0, recipientCount: 3 },
      { id: 2, sender: 'b', variant: 0, recipientCount: 1 },
    ];
    planFill(open, { variant: 0, sender: 'a', recipients: ['x'] }, 4);
    planFill(open, { variant: 0, sender: 'b', recipients: ['y'] }, 4);
    expect(open).toEqual([{ id: 2, sender: 'b', variant: 0, recipientCount: 2 }]);
  });
});

describe('groupBySender', () => {
  it('groups recipients by sender in their order', () => {
    const of = (e: string) => (e.startsWith('a') ? 'A' : e.startsWith('b') ? 'B' : null);
    expect([...groupBySender(['a1', 'b1', 'x', 'a2'], of)]).toEqual([
      ['A', ['a1', 'a2']],
      ['B', ['b1']],
      [null, ['x']],
    ]);
  });
});
