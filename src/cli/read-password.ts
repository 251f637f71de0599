import { CliError, type CliIo } from "./io.js";

/** How {@link readPassword} gets the password. */
export interface ReadPasswordOptions {
  /** `--password-stdin`: read all of standard input. */
  fromStdin: boolean;
  /** On a terminal, ask twice and require both answers to match. */
  confirm: boolean;
}

/** The policy allows 1024 characters (at most 4 KiB of UTF-8); more input is a mistake, not a password. */
const MAX_STDIN_BYTES = 16 * 1024;

/**
 * Reads a password from standard input (one trailing `\n` or `\r\n` stripped) or, without
 * `--password-stdin`, by prompting on the terminal without echo.
 * @throws CliError with exit code 2 when there is neither `--password-stdin` nor a terminal, or standard input is empty.
 */
export async function readPassword(io: CliIo, options: ReadPasswordOptions): Promise<string> {
  if (options.fromStdin) {
    const password = stripOneNewline(await readStdin(io));
    // An empty pipe is a missing password (`--password-stdin < /dev/null`), not a short one.
    if (password === "") throw new CliError("no password given on standard input (--password-stdin)", 2);
    return password;
  }
  if (!io.isTTY) {
    throw new CliError("no password given: pipe it to --password-stdin, or run in a terminal to be prompted", 2);
  }
  const password = await promptHidden(io, "Password: ");
  if (options.confirm && (await promptHidden(io, "Repeat password: ")) !== password) {
    throw new CliError("the passwords do not match");
  }
  return password;
}

/** Removes exactly one line ending, so a password may itself end in white space. */
export function stripOneNewline(text: string): string {
  if (text.endsWith("\r\n")) return text.slice(0, -2);
  if (text.endsWith("\n")) return text.slice(0, -1);
  return text;
}

async function readStdin(io: CliIo): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of io.stdin) {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    size += bytes.length;
    if (size > MAX_STDIN_BYTES) {
      io.stdin.destroy();
      throw new CliError(`the password on standard input is longer than ${MAX_STDIN_BYTES} bytes`);
    }
    chunks.push(bytes);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new CliError("the password on standard input is not valid UTF-8");
  }
}

const ENTER = new Set(["\r", "\n"]);
const ERASE = new Set(["\u007f", "\b"]);
const CTRL_C = "\u0003";
const CTRL_D = "\u0004";
const CTRL_U = "\u0015";

/** Reads one line from a terminal in raw mode, so the password is never echoed. */
function promptHidden(io: CliIo, prompt: string): Promise<string> {
  const { stdin } = io;
  io.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let value = "";
    const finish = (error?: CliError) => {
      stdin.off("data", onData);
      stdin.off("end", onEnd);
      stdin.setRawMode?.(false);
      stdin.pause();
      io.stderr.write("\n");
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string | Buffer) => {
      for (const char of String(chunk)) {
        if (ENTER.has(char)) return finish();
        if (char === CTRL_C) return finish(new CliError("cancelled"));
        if (char === CTRL_D) return value === "" ? finish(new CliError("cancelled")) : finish();
        if (ERASE.has(char)) value = Array.from(value).slice(0, -1).join("");
        else if (char === CTRL_U) value = "";
        else if (!/\p{Cc}/u.test(char)) value += char;
      }
    };
    const onEnd = () => finish(new CliError("no password given"));
    stdin.setRawMode?.(true);
    stdin.setEncoding("utf8");
    stdin.on("data", onData);
    stdin.on("end", onEnd);
    stdin.resume();
  });
}
