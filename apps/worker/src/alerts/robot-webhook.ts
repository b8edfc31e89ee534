/** WeCom's limit for a markdown message's content, in UTF-8 bytes. */
const ROBOT_MARKDOWN_MAX_BYTES = 4096;
const TIMEOUT_MS = 10_000;

/** Cuts `text` to at most `maxBytes` UTF-8 bytes, on a character boundary. */
function cutToBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  let out = '';
  let bytes = 0;
  for (const ch of text) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (bytes + n > maxBytes - 3) break;
    out += ch;
    bytes += n;
  }
  return `${out}…`;
}

/**
 * Posts a markdown message to a WeCom group robot (`…/cgi-bin/webhook/send?key=…`, WeCom's
 * robot API). Rejects unless WeCom answers errcode 0. The URL holds the robot's key, a
 * secret: it never appears in an error.
 */
export async function sendRobotMarkdown(webhook: string, content: string): Promise<void> {
  let res: Response;
  try {
    res = await fetch(webhook, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        msgtype: 'markdown',
        markdown: { content: cutToBytes(content, ROBOT_MARKDOWN_MAX_BYTES) },
      }),
      redirect: 'error',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code;
    throw new Error(`robot webhook unreachable (${cause ?? (e as Error).name})`);
  }
  const answer = (await res.json().catch(() => undefined)) as
    { errcode?: number; errmsg?: string } | undefined;
  if (!res.ok || answer?.errcode !== 0) {
    throw new Error(
      `robot webhook refused: HTTP ${res.status}, errcode ${answer?.errcode ?? '-'} ${answer?.errmsg ?? ''}`.trim(),
    );
  }
}
