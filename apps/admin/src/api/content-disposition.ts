/**
 * The file name a `Content-Disposition` header gives: `filename*` (RFC 5987, UTF-8) wins
 * over `filename` (quoted or bare), as browsers do. Only the last path segment is kept and
 * control characters are dropped, so a header can never name a folder. Undefined when the
 * header names no file.
 */
export function filenameFromDisposition(header: string | null | undefined): string | undefined {
  if (!header) return undefined;
  let name: string | undefined;
  const extended = /(?:^|;)\s*filename\*\s*=\s*([^;]+)/i.exec(header);
  if (extended) {
    const m = /^([\w-]+)'[^']*'(.*)$/.exec(extended[1].trim().replace(/^"(.*)"$/, '$1'));
    if (m && /^utf-8$/i.test(m[1])) {
      try {
        name = decodeURIComponent(m[2]);
      } catch {
        name = undefined;
      }
    }
  }
  if (name === undefined) {
    const plain = /(?:^|;)\s*filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/i.exec(header);
    if (plain) name = plain[1] !== undefined ? plain[1].replace(/\\(.)/g, '$1') : plain[2].trim();
  }
  if (name === undefined) return undefined;
  // eslint-disable-next-line no-control-regex
  const safe = (name.split(/[\\/]/).pop() ?? '').replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return safe && safe !== '.' && safe !== '..' ? safe : undefined;
}
