/**
 * The operator token lives in sessionStorage: it survives reloads of the tab and is gone
 * when the browser session ends, and no other origin or tab can read it.
 */
const KEY = 'wpp.operatorToken';

export const sessionToken = {
  get(): string | null {
    return window.sessionStorage.getItem(KEY);
  },
  set(token: string): void {
    window.sessionStorage.setItem(KEY, token);
  },
  clear(): void {
    window.sessionStorage.removeItem(KEY);
  },
};
