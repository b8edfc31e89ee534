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

/**
 * After a sign-in with user name and password the session itself is an HttpOnly cookie the
 * console cannot read; it keeps the session's CSRF token here (sent as X-CSRF-Token).
 */
const CSRF_KEY = 'wpp.csrfToken';

export const sessionCsrf = {
  get(): string | null {
    return window.sessionStorage.getItem(CSRF_KEY);
  },
  set(token: string): void {
    window.sessionStorage.setItem(CSRF_KEY, token);
  },
  clear(): void {
    window.sessionStorage.removeItem(CSRF_KEY);
  },
};
