import { randomBytes } from 'node:crypto';
import { TradeBook } from './trade-book';
import { YouzanSimSettings } from './youzan-sim-settings';

/** The simulator's mutable state: settings, trades, issued tokens, request counts. */
export class YouzanSimState {
  readonly book: TradeBook;
  private readonly tokens = new Map<string, number>();
  readonly requests: Record<string, number> = {};

  constructor(public settings: YouzanSimSettings) {
    this.book = new TradeBook(settings);
  }

  count(endpoint: string): void {
    this.requests[endpoint] = (this.requests[endpoint] ?? 0) + 1;
  }

  issueToken(): { token: string; expires: number } {
    const token = randomBytes(16).toString('hex');
    const expires = Date.now() + this.settings.tokenTtlSeconds * 1000;
    this.tokens.set(token, expires);
    return { token, expires };
  }

  tokenValid(token: string | undefined): boolean {
    const expires = token === undefined ? undefined : this.tokens.get(token);
    return expires !== undefined && expires > Date.now();
  }

  revokeTokens(): number {
    const n = this.tokens.size;
    this.tokens.clear();
    return n;
  }

  reset(settings: YouzanSimSettings): void {
    this.settings = settings;
    this.book.reset(settings);
    this.tokens.clear();
    for (const k of Object.keys(this.requests)) delete this.requests[k];
  }
}
