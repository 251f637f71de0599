import { describe, expect, it } from "vitest";
import { CliError } from "../../src/cli/io.js";
import { readPassword, stripOneNewline } from "../../src/cli/read-password.js";
import { createFakeTerminal, createTestIo } from "./cli-harness.js";

describe("stripOneNewline", () => {
  it.each([
    ["secret\n", "secret"],
    ["secret\r\n", "secret"],
    ["secret", "secret"],
    ["secret\n\n", "secret\n"],
    ["secret  \n", "secret  "],
    ["secret\r", "secret\r"],
  ])("turns %j into %j", (input, expected) => {
    expect(stripOneNewline(input)).toBe(expected);
  });
});

describe("readPassword", () => {
  it("reads all of standard input with --password-stdin", async () => {
    const { io } = createTestIo({ stdin: "påss wörd 🔑\r\n" });
    await expect(readPassword(io, { fromStdin: true, confirm: true })).resolves.toBe("påss wörd 🔑");
  });

  it("refuses standard input that cannot be a password", async () => {
    const { io } = createTestIo({ stdin: "x".repeat(20_000) });
    await expect(readPassword(io, { fromStdin: true, confirm: false })).rejects.toThrow(/longer than/);
  });

  it("refuses with usage exit code 2 when there is neither --password-stdin nor a terminal", async () => {
    const { io } = createTestIo({ stdin: "secret\n" });
    const error = await readPassword(io, { fromStdin: false, confirm: false }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(2);
  });

  it("prompts on a terminal in raw mode, twice, without echoing, honouring backspace", async () => {
    const terminal = createFakeTerminal();
    const { io, stdout, stderr } = createTestIo({ input: terminal, isTTY: true });
    const reading = readPassword(io, { fromStdin: false, confirm: true });
    terminal.write("hunter22x\u007f\r");
    await new Promise((resolve) => setTimeout(resolve, 10));
    terminal.write("hunter22\r");
    await expect(reading).resolves.toBe("hunter22");
    expect(stderr.text).toBe("Password: \nRepeat password: \n");
    expect(stdout.text).toBe("");
    expect(terminal.rawModes).toEqual([true, false, true, false]);
  });

  it("fails when the two answers differ", async () => {
    const terminal = createFakeTerminal();
    const { io } = createTestIo({ input: terminal, isTTY: true });
    const reading = readPassword(io, { fromStdin: false, confirm: true });
    terminal.write("first one\r");
    await new Promise((resolve) => setTimeout(resolve, 10));
    terminal.write("second one\r");
    await expect(reading).rejects.toThrow("the passwords do not match");
  });

  it("is cancelled by Ctrl-C and leaves raw mode", async () => {
    const terminal = createFakeTerminal();
    const { io } = createTestIo({ input: terminal, isTTY: true });
    const reading = readPassword(io, { fromStdin: false, confirm: false });
    terminal.write("abc\u0003");
    await expect(reading).rejects.toThrow("cancelled");
    expect(terminal.rawModes.at(-1)).toBe(false);
  });
});
