import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { CliError } from "./io.js";

/** The formats `users import` reads. */
export type ImportFormat = "json" | "csv";

/** One user record of an import file, with where it is, for messages that never quote its values. */
export interface ImportRecord {
  /** `line 3` (CSV: the line the record starts on) or `record 3` (JSON: its position in the array). */
  where: string;
  /** The record's fields; `null` when the record itself is malformed (then `problem` says why). */
  fields: Record<string, unknown> | null;
  problem?: string;
}

/** A parsed import file. */
export interface ImportFile {
  format: ImportFormat;
  records: ImportRecord[];
}

/** One CSV record: its fields and the line it starts on (1-based). */
export interface CsvRow {
  line: number;
  fields: string[];
}

const BOM = "\uFEFF";
const REQUIRED_COLUMNS = ["username", "hashed_password"] as const;

/**
 * Reads an export of users: JSON (an array of objects, or `{"users": [...]}`) or CSV with a
 * header row, told apart by the extension `.json`/`.csv`, else by the first character.
 * @throws CliError (exit 1) when the file cannot be read or is not JSON or CSV at all.
 */
export async function readImportFile(path: string): Promise<ImportFile> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new CliError(`cannot read ${JSON.stringify(path)}: ${describeReadError(error)}`);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new CliError(`${JSON.stringify(path)} is not UTF-8 text`);
  }
  try {
    return parseImportText(text, path);
  } catch (error) {
    if (error instanceof ImportFormatError) throw new CliError(`${JSON.stringify(path)}: ${error.message}`);
    throw error;
  }
}

/** Parses the text of an import file; `name` only picks the format by its extension. */
export function parseImportText(text: string, name: string): ImportFile {
  const body = text.startsWith(BOM) ? text.slice(1) : text;
  const format = detectFormat(name, body);
  return { format, records: format === "json" ? jsonRecords(body) : csvRecords(body) };
}

/** The format by extension, else by content: JSON starts with `[` or `{`, anything else is CSV. */
export function detectFormat(name: string, text: string): ImportFormat {
  const extension = extname(name).toLowerCase();
  if (extension === ".json") return "json";
  if (extension === ".csv") return "csv";
  return /^\s*[[{]/.test(text) ? "json" : "csv";
}

/** A problem with the file as a whole; its message never quotes the file's content. */
export class ImportFormatError extends Error {
  override readonly name = "ImportFormatError";
}

function jsonRecords(text: string): ImportRecord[] {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    // V8's message quotes the text around the error, which may be a hash: keep only the position.
    const position = /at position (\d+)/.exec(error instanceof Error ? error.message : "")?.[1];
    const where = position === undefined ? "" : ` (line ${lineAt(text, Number(position))})`;
    throw new ImportFormatError(`not valid JSON${where}`);
  }
  const users = isObject(document) && !Array.isArray(document) ? document.users : document;
  if (!Array.isArray(users)) throw new ImportFormatError('expected a JSON array of users or {"users": [...]}');
  return users.map((value: unknown, index) => {
    const where = `record ${index + 1}`;
    return isObject(value) && !Array.isArray(value)
      ? { where, fields: value }
      : { where, fields: null, problem: "not a JSON object" };
  });
}

function csvRecords(text: string): ImportRecord[] {
  const [header, ...rows] = parseCsv(text);
  if (header === undefined) return [];
  const columns = header.fields.map((name) => name.trim());
  for (const required of REQUIRED_COLUMNS) {
    if (!columns.includes(required)) {
      throw new ImportFormatError(`the CSV header row must name the columns ${REQUIRED_COLUMNS.join(" and ")}`);
    }
  }
  const named = columns.filter((name) => name !== "");
  if (new Set(named).size !== named.length) throw new ImportFormatError("the CSV header row names a column twice");
  return rows.map((row) => {
    const where = `line ${row.line}`;
    if (row.fields.length !== columns.length) {
      return {
        where,
        fields: null,
        problem: `has ${row.fields.length} fields where the header has ${columns.length}`,
      };
    }
    const entries = columns.map((name, index) => [name, row.fields[index]] as const);
    return { where, fields: Object.fromEntries(entries.filter(([name]) => name !== "")) };
  });
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const CR = 0x0d;
const LF = 0x0a;

/**
 * Parses RFC 4180 CSV: quoted fields with doubled quotes, commas and line breaks inside
 * quotes, CRLF or LF line ends, blank lines skipped. No BOM handling (the caller strips it).
 * @throws ImportFormatError naming the line of a stray or unclosed quote.
 */
export function parseCsv(text: string): CsvRow[] {
  const rows: CsvRow[] = [];
  const length = text.length;
  let line = 1;
  let position = 0;
  while (position < length) {
    const row: CsvRow = { line, fields: [] };
    // One record: fields separated by commas, up to a line end outside quotes or the end of the text.
    for (;;) {
      let field: string;
      if (text.charCodeAt(position) === QUOTE) {
        const start = line;
        field = "";
        position++;
        for (;;) {
          const close = text.indexOf('"', position);
          if (close === -1) throw new ImportFormatError(`line ${start}: a quoted field is not closed`);
          field += text.slice(position, close);
          line += countLineBreaks(text, position, close);
          position = close + 1;
          if (text.charCodeAt(position) !== QUOTE) break;
          field += '"';
          position++;
        }
        const next = text.charCodeAt(position);
        if (position < length && next !== COMMA && next !== CR && next !== LF) {
          throw new ImportFormatError(`line ${line}: a closing quote must end its field`);
        }
      } else {
        const start = position;
        while (position < length) {
          const code = text.charCodeAt(position);
          if (code === COMMA || code === CR || code === LF) break;
          if (code === QUOTE) throw new ImportFormatError(`line ${line}: a quote inside an unquoted field`);
          position++;
        }
        field = text.slice(start, position);
      }
      row.fields.push(field);
      if (position >= length) break;
      const code = text.charCodeAt(position);
      position++;
      if (code === COMMA) continue;
      if (code === CR && text.charCodeAt(position) === LF) position++;
      line++;
      break;
    }
    const blank = row.fields.length === 1 && row.fields[0] === "";
    if (!blank) rows.push(row);
  }
  return rows;
}

/** Line breaks (CRLF, LF or a lone CR) in `text` between `from` and `to`. */
function countLineBreaks(text: string, from: number, to: number): number {
  let count = 0;
  for (let index = from; index < to; index++) {
    const code = text.charCodeAt(index);
    if (code === LF || (code === CR && text.charCodeAt(index + 1) !== LF)) count++;
  }
  return count;
}

function lineAt(text: string, position: number): number {
  return 1 + countLineBreaks(text, 0, Math.min(position, text.length));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function describeReadError(error: unknown): string {
  const code = typeof error === "object" && error !== null && "code" in error ? error.code : undefined;
  if (code === "ENOENT") return "no such file";
  if (code === "EISDIR") return "it is a directory";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  return error instanceof Error ? error.message : String(error);
}
