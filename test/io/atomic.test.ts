// Atomic writes: the target holds the old or the new content, never a partial file, and no temp file is left.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { InvalidParameterError } from "../../src/core/errors.ts";
import {
  ensureDirSync,
  writeFileAtomic,
  writeFileAtomicSync,
  writeJsonAtomic,
  writeJsonAtomicSync,
} from "../../src/io/atomic.ts";

function scratch(): string {
  return mkdtempSync(join(tmpdir(), "spikeflow-atomic-"));
}

test("writes bytes and text, replaces an existing file, and leaves only the target behind", async () => {
  const dir = scratch();
  try {
    const path = join(dir, "w.bin");

    await writeFileAtomic(path, Uint8Array.of(1, 2, 3));
    assert.deepEqual([...readFileSync(path)], [1, 2, 3]);
    await writeFileAtomic(path, "héllo");
    writeFileAtomicSync(join(dir, "s.txt"), "sync");

    assert.equal(readFileSync(path, "utf8"), "héllo");
    assert.equal(readFileSync(join(dir, "s.txt"), "utf8"), "sync");
    assert.deepEqual(readdirSync(dir).sort(), ["s.txt", "w.bin"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("writeJsonAtomic writes 2-space JSON with a final newline", async () => {
  const dir = scratch();
  try {
    await writeJsonAtomic(join(dir, "a.json"), { a: [1, 2], b: "x" });
    writeJsonAtomicSync(join(dir, "b.json"), { c: null });

    assert.equal(
      readFileSync(join(dir, "a.json"), "utf8"),
      '{\n  "a": [\n    1,\n    2\n  ],\n  "b": "x"\n}\n',
    );
    assert.equal(readFileSync(join(dir, "b.json"), "utf8"), '{\n  "c": null\n}\n');
    await assert.rejects(writeJsonAtomic(join(dir, "c.json"), undefined), InvalidParameterError);
    assert.deepEqual(readdirSync(dir).sort(), ["a.json", "b.json"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a directory, a dangling link, a device or a NUL byte at the target is refused before anything is written", async () => {
  const dir = scratch();
  try {
    const target = join(dir, "taken");
    mkdirSync(target);
    writeFileSync(join(target, "inside"), "keep");
    const refused = (path: string, message: string) => {
      assert.throws(() => writeFileAtomicSync(path, "x"), { name: "InvalidParameterError", message });
      return assert.rejects(writeFileAtomic(path, "x"), { name: "InvalidParameterError", message });
    };
    await refused(
      target,
      `${target} is a directory; writing a file there would replace it: give the path of a file`,
    );
    const dangling = join(dir, "dangling");
    symlinkSync(join(dir, "nowhere"), dangling);
    await refused(
      dangling,
      `${dangling} is a symbolic link to ${join(dir, "nowhere")}, which leads to no file (missing, or a loop of ` +
        "links); writing would replace the link itself: give the path of a file, or remove the link",
    );
    const device = join(dir, "null-link");
    symlinkSync("/dev/null", device);
    await refused(
      device,
      `${device} is not a regular file (a device, FIFO or socket); writing a file there would replace it: give ` +
        "the path of a file",
    );
    await refused(
      join(dir, "a\0b"),
      `the output path ${JSON.stringify(join(dir, "a\0b"))} contains a NUL byte, which no file name may hold`,
    );
    assert.deepEqual(
      readdirSync(dir).sort(),
      ["dangling", "null-link", "taken"],
      "no temporary file is left",
    );
    assert.equal(readFileSync(join(target, "inside"), "utf8"), "keep");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a link to a file is written through; a long name still gets a temporary file; errors name the target", async () => {
  const dir = scratch();
  try {
    const real = join(dir, "real.nir");
    writeFileSync(real, "old");
    const alias = join(dir, "alias.nir");
    symlinkSync(real, alias);
    await writeFileAtomic(alias, "new");
    writeFileAtomicSync(alias, "newer");
    assert.equal(readFileSync(real, "utf8"), "newer");
    assert.ok(lstatSync(alias).isSymbolicLink(), "the link stays a link");
    // 240 bytes is a legal name; its temporary name must not be longer than the file system allows
    const long = join(dir, `${"b".repeat(236)}.nir`);
    await writeFileAtomic(long, "x");
    writeFileAtomicSync(long, "y");
    assert.equal(readFileSync(long, "utf8"), "y");
    const tooLong = join(dir, `${"b".repeat(252)}.nir`);
    await assert.rejects(writeFileAtomic(tooLong, "x"), {
      name: "InvalidParameterError",
      message: `${tooLong}: its file name is 256 bytes long, more than the 255 that file systems allow; give a shorter name`,
    });
    assert.deepEqual(readdirSync(dir).sort(), ["alias.nir", "real.nir", `${"b".repeat(236)}.nir`].sort());
    // a directory that takes no new entries: the message names the file asked for, not the temporary one
    const message =
      "cannot write /proc/self/x.nir: the directory /proc/self does not accept new files (ENOENT); give a " +
      "path in a directory you can write to";
    await assert.rejects(writeFileAtomic("/proc/self/x.nir", "x"), {
      name: "InvalidParameterError",
      message,
    });
    assert.throws(() => writeFileAtomicSync("/proc/self/x.nir", "x"), {
      name: "InvalidParameterError",
      message,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a missing parent directory or a path through a file fails without creating anything, naming the target", async () => {
  const dir = scratch();
  try {
    const target = join(dir, "no", "such", "f.bin");
    await assert.rejects(writeFileAtomic(target, "x"), {
      name: "NotFoundError",
      message: `the output path ${target}: the directory ${join(dir, "no", "such")} does not exist; create it first`,
    });
    writeFileSync(join(dir, "afile"), "x");
    const through = join(dir, "afile", "f.bin");
    await assert.rejects(writeFileAtomic(through, "x"), {
      name: "InvalidParameterError",
      message: `the output path ${through} runs through a file: ${join(dir, "afile")} is a file, not a directory`,
    });
    rmSync(join(dir, "afile"));
    const slash = join(dir, "sub") + "/";
    await assert.rejects(writeFileAtomic(slash, "x"), {
      name: "InvalidParameterError",
      message: `the output path ${slash} ends with a path separator, which names a directory; give the path of a file`,
    });

    assert.deepEqual(readdirSync(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("data of the wrong type is refused before a temp file exists; the old file is intact", async () => {
  const dir = scratch();
  try {
    const path = join(dir, "old.txt");
    writeFileSync(path, "old");

    await assert.rejects(writeFileAtomic(path, 42 as unknown as string), InvalidParameterError);

    assert.equal(readFileSync(path, "utf8"), "old");
    assert.deepEqual(readdirSync(dir), ["old.txt"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a write that fails midway (file size limit, EFBIG) keeps the old file and removes the temp file", (t) => {
  const bash = spawnSync("bash", ["-c", "true"]);
  if (bash.error) {
    t.skip("bash is not available to set a file size limit");
    return;
  }
  const dir = scratch();
  try {
    const path = join(dir, "model.bin");
    writeFileSync(path, "old content");
    const script = join(dir, "child.mts");
    const atomic = resolve("src/io/atomic.ts");
    writeFileSync(
      script,
      `import { writeFileAtomic } from ${JSON.stringify(atomic)};\n` +
        `try { await writeFileAtomic(process.argv[2], new Uint8Array(65536).fill(7)); console.log("no error"); }\n` +
        `catch (e) { console.log("failed " + e.code); }\n`,
    );

    // ulimit -f 1: writes past 1 KiB fail with EFBIG (Node ignores SIGXFSZ), after 1 KiB reached the temp file.
    const child = spawnSync(
      "bash",
      ["-c", 'ulimit -f 1 && exec "$0" --import tsx "$1" "$2"', process.execPath, script, path],
      { encoding: "utf8", env: { ...process.env, TSX_DISABLE_CACHE: "1" } },
    );

    assert.equal(child.stdout.trim(), "failed EFBIG", child.stderr);
    assert.equal(readFileSync(path, "utf8"), "old content");
    assert.deepEqual(readdirSync(dir).sort(), ["child.mts", "model.bin"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a read-only directory refuses the write and the old file stays", async (t) => {
  if (process.getuid?.() === 0) {
    t.skip("running as root, for whom directory permissions do not apply");
    return;
  }
  const dir = scratch();
  try {
    const path = join(dir, "old.txt");
    writeFileSync(path, "old");
    chmodSync(dir, 0o500);

    await assert.rejects(writeFileAtomic(path, "new"), { code: "EACCES" });

    assert.equal(readFileSync(path, "utf8"), "old");
    assert.deepEqual(readdirSync(dir), ["old.txt"]);
  } finally {
    chmodSync(dir, 0o700);
    rmSync(dir, { recursive: true, force: true });
  }
});

test("ensureDirSync creates missing parents, accepts an existing directory and names what it cannot create", () => {
  const root = mkdtempSync(join(tmpdir(), "spikeflow-ensure-"));
  try {
    const deep = join(root, "a", "b", "c");
    ensureDirSync(deep);
    assert.ok(statSync(deep).isDirectory());
    ensureDirSync(deep); // already there: no error
    const file = join(root, "file");
    writeFileSync(file, "x");
    assert.throws(
      () => ensureDirSync(file),
      (e: unknown) =>
        e instanceof InvalidParameterError && /file exists and is not a directory/.test(String(e)),
    );
    assert.throws(
      () => ensureDirSync(join(file, "sub")),
      (e: unknown) =>
        e instanceof InvalidParameterError &&
        /cannot use .*file.* as a directory \(ENOTDIR\)/.test(String(e)),
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test(
  "ensureDirSync fails at once under /proc, where Node 20's recursive mkdirSync never returns",
  { skip: process.platform !== "linux" ? "needs Linux /proc" : false },
  () => {
    assert.throws(
      () => ensureDirSync("/proc/spikeflow-nope/run"),
      (e: unknown) =>
        e instanceof InvalidParameterError &&
        /cannot create directory \/proc\/spikeflow-nope \(ENOENT\)/.test(String(e)),
    );
  },
);
