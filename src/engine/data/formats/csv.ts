// RFC 4180 CSV tokenizer. Fields may be quoted with '"'; a quoted field may contain commas,
// CR/LF and doubled quotes (""). Records end at CRLF or LF (a lone CR inside an unquoted
// field is kept). A UTF-8 BOM is dropped. Malformed records are returned with an `error`
// instead of throwing, so callers can report them row by row.
//
// Trap: a record's `line` is where it STARTS; a quoted field with newlines makes the next
// record start several lines later, so line numbers are tracked per character, not per record.

export interface CsvRecord {
  /** 1-based line number where this record starts. */
  line: number;
  fields: string[];
  /** Set when the record is malformed; `fields` then holds what was read. */
  error?: string;
}

export function parseCsv(text: string): CsvRecord[] {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const out: CsvRecord[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const start = line;
    const fields: string[] = [];
    let error: string | undefined;
    // Read one record.
    for (;;) {
      let field = '';
      if (text[i] === '"') {
        // Quoted field.
        i++;
        let closed = false;
        while (i < n) {
          const c = text[i];
          if (c === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            closed = true;
            break;
          }
          if (c === '\n') line++;
          field += c;
          i++;
        }
        if (!closed) error ??= `unterminated quoted field starting on line ${start}`;
        // After the closing quote only a delimiter or end of record is allowed.
        if (closed && i < n && text[i] !== ',' && text[i] !== '\n' && !(text[i] === '\r' && text[i + 1] === '\n')) {
          error ??= `unexpected character '${text[i]}' after closing quote (field ${fields.length + 1})`;
          while (i < n && text[i] !== ',' && text[i] !== '\n') field += text[i++];
        }
      } else {
        while (i < n && text[i] !== ',' && text[i] !== '\n' && !(text[i] === '\r' && text[i + 1] === '\n')) {
          if (text[i] === '"') error ??= `stray quote inside unquoted field ${fields.length + 1}`;
          field += text[i++];
        }
      }
      fields.push(field);
      if (i < n && text[i] === ',') {
        i++;
        continue;
      }
      // End of record (newline or end of text).
      if (text[i] === '\r') i++;
      if (text[i] === '\n') {
        i++;
        line++;
      }
      break;
    }
    // Skip completely empty lines (a single empty field); they are not records.
    if (fields.length === 1 && fields[0] === '' && !error) continue;
    out.push(error ? { line: start, fields, error } : { line: start, fields });
  }
  return out;
}
