/** Bounds of a password (argon2 hashes any length; the cap keeps a request from costing more). */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 128;

/**
 * Why `password` is refused for `username`, or undefined when it is acceptable. Length over
 * composition rules (NIST SP 800-63B): at least 12 characters, not built from the user name,
 * not one character repeated or a run such as 123456789012.
 */
export function passwordProblem(password: string, username: string): string | undefined {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) return `must be at least ${PASSWORD_MIN_LENGTH} characters`;
  if (length > PASSWORD_MAX_LENGTH) return `must be at most ${PASSWORD_MAX_LENGTH} characters`;
  if (username.length > 0 && password.toLowerCase().includes(username.toLowerCase())) {
    return 'must not contain the user name';
  }
  if (new Set(password).size < 5) return 'must use at least 5 different characters';
  const codes = [...password].map((c) => c.codePointAt(0) as number);
  const steps = codes.slice(1).map((c, i) => c - codes[i]);
  const run = Math.max(...[1, -1].map((d) => steps.filter((s) => s === d).length));
  if (run >= steps.length * 0.8) return 'must not be a simple sequence';
  return undefined;
}
