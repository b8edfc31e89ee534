/**
 * An attempt's answer may still arrive until its call's timeout (WECOM_TIMEOUT_MS) and this
 * margin have passed since it began: until then a batch in doubt is neither resent nor
 * judged absent from WeCom.
 */
const IN_FLIGHT_MARGIN_MS = 30_000;

/** The instant after which an attempt begun at `sendingAt` can no longer be answered. */
export function inFlightUntil(sendingAt: Date | null, timeoutMs: number): number {
  return sendingAt ? sendingAt.getTime() + timeoutMs + IN_FLIGHT_MARGIN_MS : 0;
}
