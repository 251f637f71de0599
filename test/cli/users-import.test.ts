import { type ChildProcess, spawn } from "node:child_process";
import { statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { hash as argon2Hash } from "@node-rs/argon2";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { importUsers } from "../../src/cli/commands/users-import.js";
import { detectFormat, parseCsv, parseImportText } from "../../src/cli/import-file.js";
import { createGatehouse, type GatehouseStore, type StoredUser, type UserRecord } from "../../src/core/index.js";
import { buildIfStale } from "../support/build.js";
import { CapturedOutput, createTempDatabase, createTestIo, inspectDatabase, runTestCli } from "./cli-harness.js";

// @node-rs/argon2's Algorithm.Argon2id (a const enum, which verbatimModuleSyntax cannot import).
const ARGON2ID = 2;

// passlib's CryptContext(schemes=["bcrypt"]).hash("secret"), as in FastAPI's tutorial.
const BCRYPT_SECRET = "$2b$12$EixZaYVK1fsbw1ZfbX3OXePaWxn96p36WQoeG6Lruj3vjPGga31lW";
// passlib's documented pbkdf2_sha256 example for "password".
const PBKDF2_PASSWORD = "$pbkdf2-sha256$6400$0ZrzXitFSGltTQnBWOsdAw$Y11AchqV4b0sUisdZd0Xr97KWoymNE0LNNrnEgY4H9M";
const CURRENT_ARGON2ID = "$argon2id$v=19$m=19456,t=2,p=1$";
const FIXTURES = resolve(import.meta.dirname, "fixtures");
const HEADER = "username,email,full_name,hashed_password,disabled,scopes";

/** Nothing a user sees may contain a hash, or a password that was passed off as one. */
function expectNoSecrets(text: string): void {
  expect(text).not.toMatch(/\$2[aby]\$|\$argon2|\$pbkdf2|EixZaYVK|hunter2|5f4dcc3b/);
}

async function allUsers(path: string): Promise<StoredUser[]> {
  return inspectDatabase(path, async (store) => (await store.listUsers({ limit: 1000, cursor: null })).users);
}

async function seedUser(path: string, username: string): Promise<void> {
  await inspectDatabase(path, (store) =>
    store.createUser(
      { username, email: `${username}@example.com`, fullName: "", disabled: false, scopes: ["me"], passwordHash: "x" },
      Date.now(),
    ),
  );
}

function csvLine(username: string, hash = BCRYPT_SECRET): string {
  return `${username},${username}@example.com,,${hash},False,me`;
}

describe("gatehouse users import", () => {
  let db: ReturnType<typeof createTempDatabase>;
  beforeEach(() => {
    db = createTempDatabase();
  });
  afterEach(() => db.remove());

  const writeFile = (name: string, content: string) => {
    const path = join(db.dir, name);
    writeFileSync(path, content);
    return path;
  };
  const runImport = async (file: string, ...args: string[]) => {
    const run = await runTestCli(["users", "import", file, "--database", db.url, ...args]);
    expectNoSecrets(run.stdout + run.stderr);
    return run;
  };

  it("imports a passlib CSV export, keeps the hashes as they are, and rejects a plain-text password", async () => {
    const run = await runImport(join(FIXTURES, "passlib-users.csv"));
    expect(run).toEqual({
      code: 1,
      stdout: "imported 2, skipped 0, rejected 1\n",
      stderr:
        'line 4: rejected "plainbob": hashed_password is not a password hash (plain text?); only bcrypt, argon2 and pbkdf2-sha256 hashes are accepted\n' +
        "gatehouse: 1 record was rejected (see the notes above)\n",
    });
    const users = await allUsers(db.path);
    expect(users.map((user) => user.username)).toEqual(["alice", "johndoe"]);
    expect(users[0]).toMatchObject({
      fullName: 'Chains, Alice "Al"',
      disabled: true,
      scopes: ["me", "admin"],
      passwordHash: PBKDF2_PASSWORD,
    });
    expect(users[1]).toMatchObject({
      fullName: "John Doe",
      disabled: false,
      scopes: ["me"],
      passwordHash: BCRYPT_SECRET,
    });
  });

  it('imports a JSON export shaped {"users": [...]} and rejects an MD5 digest', async () => {
    const run = await runImport(join(FIXTURES, "passlib-users.json"));
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("imported 2, skipped 0, rejected 1\n");
    expect(run.stderr).toContain('record 3: rejected "md5user": hashed_password is an unsalted hex digest');
    const users = await allUsers(db.path);
    expect(users.map((user) => [user.username, user.passwordHash])).toEqual([
      ["alice", PBKDF2_PASSWORD],
      ["johndoe", BCRYPT_SECRET],
    ]);
  });

  // Review finding 10: "me" could be imported, though /users/me is always the caller.
  it("rejects the reserved username me in any spelling and imports the rest (regression: a user named me could be created)", async () => {
    const file = writeFile("export.csv", `${HEADER}\n${csvLine("me")}\n${csvLine("ME")}\n${csvLine("dora")}\n`);
    const run = await runImport(file);
    expect(run).toEqual({
      code: 1,
      stdout: "imported 1, skipped 0, rejected 2\n",
      stderr:
        'line 2: rejected: username "me" is reserved (/users/me is the caller)\n' +
        'line 3: rejected: username "me" is reserved (/users/me is the caller)\n' +
        "gatehouse: 2 records were rejected (see the notes above)\n",
    });
    expect((await allUsers(db.path)).map((user) => user.username)).toEqual(["dora"]);
  });

  it("imports a JSON array and exits 0 with nothing on stderr when every record is good", async () => {
    const file = writeFile(
      "users.json",
      JSON.stringify([
        { username: "bob", email: "bob@example.com", hashed_password: BCRYPT_SECRET },
        { username: "carol", email: "carol@example.com", hashed_password: PBKDF2_PASSWORD, scopes: "me admin" },
      ]),
    );
    expect(await runImport(file)).toEqual({ code: 0, stdout: "imported 2, skipped 0, rejected 0\n", stderr: "" });
    expect((await allUsers(db.path)).map((user) => user.scopes)).toEqual([["me"], ["me", "admin"]]);
  });

  it("reads CSV with a BOM, CRLF, quoted commas, doubled quotes and line breaks inside quotes", async () => {
    const file = writeFile(
      "export.csv",
      `\uFEFF${HEADER}\r\n` +
        `ann,ann@example.com,"Doe, Ann ""A.""",${BCRYPT_SECRET},True,"me admin"\r\n` +
        `ben,ben@example.com,"Ben\r\nOn two lines",${BCRYPT_SECRET},False,me\r\n` +
        "\r\n" +
        `cat,cat@example.com,Cat,${PBKDF2_PASSWORD},0,"[""me""]"`,
    );
    const run = await runImport(file);
    expect(run.stdout).toBe("imported 2, skipped 0, rejected 1\n");
    // The line numbers count the line break inside ben's quoted name and the blank line.
    expect(run.stderr.split("\n")[0]).toBe('line 3: rejected "ben": full_name must not contain control characters');
    const users = await allUsers(db.path);
    expect(users.map((user) => [user.username, user.fullName, user.disabled, user.scopes])).toEqual([
      ["ann", 'Doe, Ann "A."', true, ["me", "admin"]],
      ["cat", "Cat", false, ["me"]],
    ]);
  });

  it("tells CSV from JSON by the content when the file has no known extension", async () => {
    const csv = writeFile("export.txt", `${HEADER}\n${csvLine("dan")}\n`);
    const json = writeFile(
      "export",
      `  [{"username": "eve", "email": "eve@example.com", "hashed_password": "${BCRYPT_SECRET}"}]`,
    );
    expect((await runImport(csv)).code).toBe(0);
    expect((await runImport(json)).code).toBe(0);
    expect((await allUsers(db.path)).map((user) => user.username)).toEqual(["dan", "eve"]);
  });

  it("skips an existing username (case-insensitively) and a repeat within the file, with notes, exit 0", async () => {
    await seedUser(db.path, "JohnDoe");
    const file = writeFile("users.csv", [HEADER, csvLine("johndoe"), csvLine("fay"), csvLine("FAY"), ""].join("\n"));
    const run = await runImport(file);
    expect(run).toEqual({
      code: 0,
      stdout: "imported 1, skipped 2, rejected 0\n",
      stderr: 'line 4: skipped "FAY": same username as line 3\nline 2: skipped "johndoe": already exists\n',
    });
    const users = await allUsers(db.path);
    expect(users.map((user) => [user.username, user.passwordHash])).toEqual([
      ["fay", BCRYPT_SECRET],
      ["JohnDoe", "x"],
    ]);
  });

  it("with --on-conflict fail, writes nothing when a username exists", async () => {
    await seedUser(db.path, "johndoe");
    const file = writeFile("users.csv", [HEADER, csvLine("gus"), csvLine("JOHNDOE")].join("\n"));
    const run = await runImport(file, "--on-conflict", "fail");
    expect(run).toEqual({
      code: 1,
      stdout: "",
      stderr:
        'line 3: conflict "JOHNDOE": already exists\ngatehouse: nothing imported: 1 username taken (--on-conflict fail)\n',
    });
    expect((await allUsers(db.path)).map((user) => user.username)).toEqual(["johndoe"]);
  });

  it("with --on-conflict fail, writes nothing when a record is rejected or repeated", async () => {
    const file = writeFile("users.csv", [HEADER, csvLine("hal"), csvLine("ida", "hunter2"), csvLine("HAL")].join("\n"));
    const run = await runImport(file, "--on-conflict", "fail");
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      "gatehouse: nothing imported: 1 username taken, 1 record rejected (--on-conflict fail)",
    );
    expect(await allUsers(db.path)).toEqual([]);
  });

  it("with --dry-run, reports what it would do and writes nothing", async () => {
    await seedUser(db.path, "johndoe");
    const file = writeFile("users.csv", [HEADER, csvLine("johndoe"), csvLine("jan"), csvLine("kim", "")].join("\n"));
    const run = await runImport(file, "--dry-run");
    expect(run).toEqual({
      code: 1,
      stdout: "dry run: would import 1, skip 1, reject 1; nothing written\n",
      stderr:
        'line 4: rejected "kim": hashed_password is empty\n' +
        'line 2: skipped "johndoe": already exists\n' +
        "gatehouse: 1 record would be rejected (see the notes above)\n",
    });
    expect((await allUsers(db.path)).map((user) => user.username)).toEqual(["johndoe"]);
  });

  it("rejects a CSV row with the wrong number of fields and a JSON entry that is not an object", async () => {
    const csv = writeFile("short.csv", `${HEADER}\nlee,lee@example.com\n`);
    expect((await runImport(csv)).stderr).toContain("line 2: rejected: has 2 fields where the header has 6");
    const json = writeFile("odd.json", `[["mia"], "${BCRYPT_SECRET}"]`);
    const run = await runImport(json);
    expect(run.stdout).toBe("imported 0, skipped 0, rejected 2\n");
    expect(run.stderr).toContain("record 2: rejected: not a JSON object");
  });

  it("shows at most 100 notes and says how many more there were", async () => {
    const rows = Array.from({ length: 130 }, (_, index) => csvLine(`u${index}`, "plain"));
    const run = await runImport(writeFile("bad.csv", [HEADER, ...rows].join("\n")));
    const lines = run.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(102);
    expect(lines[100]).toBe("(30 more notes not shown)");
    expect(run.stdout).toBe("imported 0, skipped 0, rejected 130\n");
  });

  it.each([
    ["a missing file", () => join(db.dir, "nope.csv"), "no such file"],
    [
      "invalid JSON (without quoting it)",
      () => writeFile("broken.json", `[{"hashed_password": "${BCRYPT_SECRET}",]`),
      "not valid JSON",
    ],
    [
      "JSON of the wrong shape",
      () => writeFile("shape.json", '{"people": []}'),
      'a JSON array of users or {"users": [...]}',
    ],
    [
      "a CSV without a hashed_password column",
      () => writeFile("cols.csv", "username,email\nx,x@example.com\n"),
      "must name the columns",
    ],
    [
      "an unclosed quote",
      () => writeFile("quote.csv", `${HEADER}\n"nia,n@example.com\n`),
      "line 2: a quoted field is not closed",
    ],
  ])("fails on %s with exit 1 and one line, before touching the database", async (_, makeFile, fragment) => {
    const run = await runImport(makeFile());
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^gatehouse: [^\n]+\n$/);
    expect(run.stderr).toContain(fragment);
    expect(statSync(db.path).size).toBe(0);
  });

  it("fails on bytes that are not UTF-8 with exit 1", async () => {
    const path = join(db.dir, "latin1.csv");
    writeFileSync(path, Buffer.concat([Buffer.from(`${HEADER}\n`), Buffer.from([0xe9, 0x0a])]));
    const run = await runImport(path);
    expect(run).toEqual({ code: 1, stdout: "", stderr: `gatehouse: ${JSON.stringify(path)} is not UTF-8 text\n` });
  });

  it.each([
    ["an unknown --on-conflict mode", ["users", "import", "x.csv", "--on-conflict", "overwrite"]],
    ["a missing FILE", ["users", "import"]],
  ])("exits 2 on %s", async (_, args) => {
    const run = await runTestCli([...args, "--database", db.url]);
    expect(run.code).toBe(2);
    expect(run.stderr).not.toBe("");
  });

  it("lists its options in --help", async () => {
    const run = await runTestCli(["users", "import", "--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("--on-conflict <mode>");
    expect(run.stdout).toContain("--dry-run");
  });
});

describe("gatehouse users import progress", () => {
  const rows = (count: number) => [HEADER, ...Array.from({ length: count }, (_, index) => csvLine(`p${index}`))];

  it("logs about ten progress lines on stderr for a large file when stderr is not a terminal", async () => {
    const db = createTempDatabase();
    try {
      writeFileSync(join(db.dir, "big.csv"), rows(3000).join("\n"));
      const run = await runTestCli(["users", "import", join(db.dir, "big.csv"), "--database", "memory:"]);
      expect(run).toEqual({
        code: 0,
        stdout: "imported 3000, skipped 0, rejected 0\n",
        stderr: "importing 1000/3000 users\nimporting 2000/3000 users\n",
      });
    } finally {
      db.remove();
    }
  });

  it("keeps a \\r counter on a terminal and clears it at the end", async () => {
    const db = createTempDatabase();
    try {
      writeFileSync(join(db.dir, "big.csv"), rows(1200).join("\n"));
      const { io, stdout } = createTestIo();
      const stderr = Object.assign(new CapturedOutput(), { isTTY: true });
      io.stderr = stderr;
      const summary = await importUsers(join(db.dir, "big.csv"), { onConflict: "skip", database: "memory:" }, io);
      expect(summary).toEqual({ imported: 1200, skipped: 0, rejected: 0 });
      expect(stderr.text).toBe(
        "\rimporting 500/1200 users\rimporting 1000/1200 users\rimporting 1200/1200 users\r\u001b[K",
      );
      expect(stdout.text).toBe("imported 1200, skipped 0, rejected 0\n");
    } finally {
      db.remove();
    }
  });
});

describe("imported users log in with their old passwords and get argon2id", () => {
  let db: ReturnType<typeof createTempDatabase>;
  beforeEach(() => {
    db = createTempDatabase();
  });
  afterEach(() => db.remove());

  async function withGatehouse<T>(
    work: (store: GatehouseStore, login: (u: string, p: string) => Promise<UserRecord>) => Promise<T>,
  ) {
    return inspectDatabase(db.path, async (store) => {
      const gatehouse = await createGatehouse({ store, throttle: false });
      return work(store, (username, password) => gatehouse.authenticate(username, password));
    });
  }

  it("re-hashes a bcrypt, a pbkdf2-sha256 and an argon2id import on the first successful login", async () => {
    // pwdlib's PasswordHash.recommended() makes argon2id hashes with other parameters than ours.
    const argon2 = await argon2Hash("argon password", {
      algorithm: ARGON2ID,
      memoryCost: 4096,
      timeCost: 3,
      parallelism: 1,
    });
    const file = join(db.dir, "users.json");
    writeFileSync(
      file,
      JSON.stringify([
        { username: "johndoe", email: "johndoe@example.com", hashed_password: BCRYPT_SECRET },
        { username: "paula", email: "paula@example.com", hashed_password: PBKDF2_PASSWORD },
        { username: "argo", email: "argo@example.com", hashed_password: argon2 },
      ]),
    );
    const run = await runTestCli(["users", "import", file, "--database", db.url]);
    expect(run.stdout).toBe("imported 3, skipped 0, rejected 0\n");

    await withGatehouse(async (store, login) => {
      await expect(login("johndoe", "wrong password")).rejects.toThrow("Incorrect username or password");
      expect((await store.findUserByUsername("johndoe"))?.passwordHash).toBe(BCRYPT_SECRET);
      for (const [username, password] of [
        ["johndoe", "secret"],
        ["paula", "password"],
        ["argo", "argon password"],
      ] as const) {
        await login(username, password);
        const stored = await store.findUserByUsername(username);
        expect(stored?.passwordHash.startsWith(CURRENT_ARGON2ID)).toBe(true);
        // The new hash works for the same password on the next login, and is kept.
        await login(username, password);
        expect((await store.findUserByUsername(username))?.passwordHash).toBe(stored?.passwordHash);
      }
    });
  });
});

describe("parseCsv", () => {
  it.each([
    ["a simple row", "a,b,c", [["a", "b", "c"]]],
    [
      "CRLF and LF line ends",
      "a,b\r\nc,d\ne,f\n",
      [
        ["a", "b"],
        ["c", "d"],
        ["e", "f"],
      ],
    ],
    ["empty fields", ",a,,\n", [["", "a", "", ""]]],
    ["quoted commas", '"a,b",c', [["a,b", "c"]]],
    ["doubled quotes", '"say ""hi""",x', [['say "hi"', "x"]]],
    [
      "a line break inside quotes",
      '"one\r\ntwo",x\ny,z',
      [
        ["one\r\ntwo", "x"],
        ["y", "z"],
      ],
    ],
    ["an empty quoted field at the end", 'a,""', [["a", ""]]],
    ["blank lines", "a\n\n\r\nb\n", [["a"], ["b"]]],
    ["white space kept as it is", " a , b ", [[" a ", " b "]]],
  ])("parses %s", (_, text, expected) => {
    expect(parseCsv(text).map((row) => row.fields)).toEqual(expected);
  });

  it("numbers each record by the line it starts on", () => {
    expect(parseCsv('h\n"x\ny"\n\nz\n').map((row) => row.line)).toEqual([1, 2, 5]);
  });

  it.each([
    ['"abc', "line 1: a quoted field is not closed"],
    ['a\n"b"c', "line 2: a closing quote must end its field"],
    ['a\nb"c', "line 2: a quote inside an unquoted field"],
  ])("refuses %j: %s", (text, message) => {
    expect(() => parseCsv(text)).toThrow(message);
  });
});

describe("detectFormat and parseImportText", () => {
  it.each([
    ["users.JSON", "a,b", "json"],
    ["users.csv", "[", "csv"],
    ["users", "\n  [ {}]", "json"],
    ["users.txt", '{"users": []}', "json"],
    ["users.txt", "username,hashed_password", "csv"],
  ])("reads %s starting %j as %s", (name, text, format) => {
    expect(detectFormat(name, text)).toBe(format);
  });

  it("strips a UTF-8 BOM before JSON", () => {
    expect(parseImportText('\uFEFF{"users": [{"username": "x"}]}', "u.json").records).toEqual([
      { where: "record 1", fields: { username: "x" } },
    ]);
  });
});

// The smoke test below spawns the real binary from the repository root.
const root = resolve(import.meta.dirname, "../..");
const _built = join(root, "dist/cli/main.js");

describe("the gatehouse binary's users import", { timeout: 90_000 }, () => {
  beforeAll(buildIfStale, 120_000);

  it("imports a CSV export, reports on stdout and stderr, and exits 1 for the rejected record", async () => {
    const db = createTempDatabase();
    try {
      const env: NodeJS.ProcessEnv = {};
      for (const [name, value] of Object.entries(process.env)) if (!name.startsWith("GATEHOUSE_")) env[name] = value;
      const child: ChildProcess = spawn(
        process.execPath,
        [join(root, "bin/gatehouse.js"), "users", "import", join(FIXTURES, "passlib-users.csv"), "--database", db.url],
        { cwd: db.dir, env, stdio: ["ignore", "pipe", "pipe"] },
      );
      let stdout = "";
      let stderr = "";
      child.stdout?.on("data", (chunk: Buffer) => {
        stdout += chunk;
      });
      child.stderr?.on("data", (chunk: Buffer) => {
        stderr += chunk;
      });
      const code = await new Promise<number | null>((done) => child.on("close", done));
      expect({ code, stdout }).toEqual({ code: 1, stdout: "imported 2, skipped 0, rejected 1\n" });
      expect(stderr).toContain('line 4: rejected "plainbob"');
      expectNoSecrets(stdout + stderr);
      expect((await allUsers(db.path)).map((user) => user.username)).toEqual(["alice", "johndoe"]);
    } finally {
      db.remove();
    }
  });
});
