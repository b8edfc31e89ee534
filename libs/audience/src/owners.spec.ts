import { assignSenders } from './owners';

describe('assignSenders: who goes on to the policy, through whom', () => {
  const owners = new Map([['e1', 'zhangsan']]);
  it.each<[string, 'wecom' | 'owner', 'skip' | 'wecom', string[], number, (string | null)[]]>([
    ['wecom: everyone, no sender', 'wecom', 'skip', ['E1', 'e2'], 0, [null, null]],
    ['owner + skip: the owner’s, the others skipped', 'owner', 'skip', ['E1'], 1, ['zhangsan']],
    [
      'owner + wecom: everyone, no owner → no sender',
      'owner',
      'wecom',
      ['E1', 'e2'],
      0,
      ['zhangsan', null],
    ],
  ])('%s', (_what, mode, fallback, kept, skipped, senders) => {
    const a = assignSenders(['E1', 'e2'], owners, { mode, fallback });
    expect(a.kept).toEqual(kept);
    expect(a.skipped).toBe(skipped);
    expect(a.kept.map(a.senderOf)).toEqual(senders);
  });
});
