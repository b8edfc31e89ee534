import { passwordProblem } from './password-policy';

describe('password policy (docs/SECURITY.md "Accounts")', () => {
  it.each([
    ['12 varied characters', 'Tulip-river-9', 'alice', undefined],
    ['a long pass phrase of words', 'correct horse battery staple', 'alice', undefined],
    ['non-ASCII characters count as one each', '猫砂告急请及时补货喵主人', 'alice', undefined],
    ['11 characters', 'Tulip-rive9', 'alice', 'must be at least 12 characters'],
    ['129 characters', 'aB3-'.repeat(32) + 'x', 'alice', 'must be at most 128 characters'],
    ['the user name inside', 'my-Alice-password-1', 'alice', 'must not contain the user name'],
    [
      'one character repeated',
      'aaaaaaaaaaaaaaaa',
      'bob',
      'must use at least 5 different characters',
    ],
    [
      'two characters alternating',
      'abababababababab',
      'bob',
      'must use at least 5 different characters',
    ],
    ['a rising run of digits, wrapping', '123456789012', 'bob', 'must not be a simple sequence'],
    ['a rising run of letters', 'abcdefghijklmn', 'bob', 'must not be a simple sequence'],
    ['a falling run', 'zyxwvutsrqponm', 'bob', 'must not be a simple sequence'],
  ])('%s', (_, password, username, problem) => {
    expect(passwordProblem(password, username)).toBe(problem);
  });
});
