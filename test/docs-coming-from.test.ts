/**
 * docs/coming-from.md's example runs as written (its ts block, importing "spikeflow" by name) and prints
 * the two lines the page quotes.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const PAGE = readFileSync(join(ROOT, "docs", "coming-from.md"), "utf8");

/** The first fenced block of `lang` after the text `after` ("" for a block without a language). */
function blockAfter(after: string, lang: string): string {
  const at = PAGE.indexOf(after);
  assert.ok(at >= 0, `docs/coming-from.md has ${JSON.stringify(after)}`);
  const block = new RegExp("```" + lang + "\\n([\\s\\S]*?)```").exec(PAGE.slice(at));
  assert.ok(
    block !== null,
    `docs/coming-from.md has a ${lang || "plain"} block after ${JSON.stringify(after)}`,
  );
  return block[1];
}

/** Runs `code` as example.ts in a project of its own that depends on spikeflow; returns what it printed. */
function runExample(code: string): string {
  // a project of its own that depends on spikeflow (this checkout, its TypeScript sources)
  const dir = mkdtempSync(join(tmpdir(), "spikeflow-doc-"));
  try {
    mkdirSync(join(dir, "node_modules"));
    symlinkSync(ROOT, join(dir, "node_modules", "spikeflow"), "dir");
    writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
    writeFileSync(join(dir, "example.ts"), code);
    const r = spawnSync(
      process.execPath,
      ["--import", "tsx", "--conditions=spikeflow-source", join(dir, "example.ts")],
      { cwd: ROOT, encoding: "utf8", env: { ...process.env, SPIKEFLOW_LOG: "silent" } },
    );
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("docs/coming-from.md: the STDP example prints what the page says it prints", () => {
  const heading = "## Example: a BindsNET-style layer with STDP";
  const code = blockAfter(heading, "ts");
  const printed = blockAfter("It prints\n", "").trim();
  assert.equal(runExample(code), printed);
  assert.match(
    printed,
    /^\d+\.\d % of the weight from the pattern's inputs\n\d+ Y spikes on the test example$/,
  );
});

test("docs/coming-from.md: the subgroup example (Brian2's CUBA) prints what the page says it prints", () => {
  const heading = "## Example: Brian2's CUBA with subgroups";
  const code = blockAfter(heading, "ts");
  const printed = blockAfter("The example prints\n", "").trim();
  assert.equal(runExample(code), printed);
  assert.match(
    printed,
    /^\d+ excitatory and \d+ inhibitory spikes\ninhibitory neurons recorded as 0\.\.799$/,
  );
});
