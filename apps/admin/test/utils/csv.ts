/**
 * Reads CSV text as RFC 4180 describes it: fields separated by commas, records by CRLF (a
 * bare LF is accepted too), quoted fields may hold commas, quotes (doubled) and line breaks.
 * A final line break does not start an empty record. The BOM, if any, is the caller's.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let started = false;
  const endRecord = () => {
    row.push(field);
    rows.push(row);
    row = [];
    field = '';
    started = false;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
      continue;
    }
    if (ch === '"') {
      quoted = true;
      started = true;
    } else if (ch === ',') {
      row.push(field);
      field = '';
      started = true;
    } else if (ch === '\r' && text[i + 1] === '\n') {
      endRecord();
      i++;
    } else if (ch === '\n') endRecord();
    else {
      field += ch;
      started = true;
    }
  }
  if (quoted) throw new Error('CSV ends inside a quoted field');
  if (started || row.length > 0) endRecord();
  return rows;
}
