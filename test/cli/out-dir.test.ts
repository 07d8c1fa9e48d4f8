// --out checks of src/cli/out-dir.ts that need no run: links that lead nowhere.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { refuseNonEmptyOut } from "../../src/cli/out-dir.ts";

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
