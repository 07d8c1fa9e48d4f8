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
