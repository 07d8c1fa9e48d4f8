// --out checks of src/cli/out-dir.ts that need no run: links that lead nowhere.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { refuseNonEmptyOut, refuseOutFile } from "../../src/cli/out-dir.ts";

const root = mkdtempSync(join(tmpdir(), "spikeflow-out-dir-"));
after(() => rmSync(root, { recursive: true, force: true }));

test("an --out that is a dangling link names its target; a loop of links is called a loop", () => {
  const dangling = join(root, "dangling");
  symlinkSync(join(root, "nowhere"), dangling);
  assert.throws(() => refuseNonEmptyOut(dangling), {
    name: "InvalidParameterError",
    message:
      `--out ${dangling} is a symbolic link to ${join(root, "nowhere")}, which does not exist; create that ` +
      "directory or give an --out that is not a dangling link",
  });
  const a = join(root, "a");
  symlinkSync(join(root, "b"), a);
  symlinkSync(a, join(root, "b"));
  assert.throws(() => refuseNonEmptyOut(a), {
    name: "InvalidParameterError",
    message: `--out ${a} is a symbolic link that leads back to itself (a loop of links); give an --out that is not a link loop`,
  });
});

test("an --out or output file below a dangling link or a link loop names the link", () => {
  const dangling = join(root, "dangling-parent");
  symlinkSync(join(root, "gone"), dangling);
  const hint = "choose an --out in a directory you can write to";
  for (const [path, check] of [
    [join(dangling, "run"), () => refuseNonEmptyOut(join(dangling, "run"))],
    [join(dangling, "a", "b"), () => refuseNonEmptyOut(join(dangling, "a", "b"))],
    [join(dangling, "m.nir"), () => refuseOutFile(join(dangling, "m.nir"), "--out", false, "x")],
  ] as const) {
    assert.throws(check, {
      name: "InvalidParameterError",
      message:
        `--out ${path} cannot be written: ${dangling} is a symbolic link to ${join(root, "gone")}, which does ` +
        `not exist; ${hint}`,
    });
  }
  const p = join(root, "pa");
  symlinkSync(join(root, "pb"), p);
  symlinkSync(p, join(root, "pb"));
  assert.throws(() => refuseNonEmptyOut(join(p, "run")), {
    name: "InvalidParameterError",
    message: `--out ${join(p, "run")} cannot be written: ${p} is a symbolic link that leads back to itself (a loop of links); ${hint}`,
  });
});

test("an output file (nir export --out) that ends with a separator, is a dangling link or a link loop is refused up front", () => {
  const hint = "choose a new --out";
  const slash = join(root, "newdir") + "/";
  assert.throws(() => refuseOutFile(slash, "--out", false, hint), {
    name: "InvalidParameterError",
    message: `--out ${slash} ends with a path separator, which names a directory; ${hint}`,
  });
  const dangling = join(root, "file-link");
  symlinkSync(join(root, "missing", "x.nir"), dangling);
  assert.throws(() => refuseOutFile(dangling, "--out", false, hint), {
    name: "InvalidParameterError",
    message: `--out ${dangling} is a symbolic link to ${join(root, "missing", "x.nir")}, which does not exist; ${hint}`,
  });
  const la = join(root, "la");
  symlinkSync(join(root, "lb"), la);
  symlinkSync(la, join(root, "lb"));
  assert.throws(() => refuseOutFile(la, "--out", false, hint), {
    name: "InvalidParameterError",
    message: `--out ${la} is a symbolic link that leads back to itself (a loop of links); ${hint}`,
  });
  refuseOutFile(join(root, "fresh.nir"), "--out", false, hint);
});

test("an output file that is a device (through a link) or whose name is too long is refused before the work", () => {
  const hint = "choose a new --out";
  const device = join(root, "device-link");
  symlinkSync("/dev/null", device);
  for (const replace of [false, true]) {
    assert.throws(() => refuseOutFile(device, "--out", replace, hint), {
      name: "InvalidParameterError",
      message: `--out ${device} is not a regular file (a device, FIFO or socket, through a link); ${hint}`,
    });
  }
  const long = join(root, `${"c".repeat(252)}.nir`);
  assert.throws(() => refuseOutFile(long, "--out", false, hint), {
    name: "InvalidParameterError",
    message: `--out ${long}: its file name is 256 bytes long, more than the 255 that file systems allow; give a shorter name`,
  });
});

test("a chain of links that ends nowhere is said as such, not as a missing first target", () => {
  const end = join(root, "chain-end");
  symlinkSync(join(root, "chain-nowhere"), end);
  const start = join(root, "chain-start");
  symlinkSync(end, start);
  assert.throws(() => refuseNonEmptyOut(start), {
    name: "InvalidParameterError",
    message:
      `--out ${start} is a symbolic link to ${end}, itself a link that leads to nothing; create that directory ` +
      "or give an --out that is not a dangling link",
  });
});
