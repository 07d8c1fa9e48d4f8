/**
 * The `spikeflow nir` command group (docs/nir.md):
 *   spikeflow nir export DIR [--dt S] [--out FILE]        a saved run's model (DIR or DIR/model) -> NIR
 *                                                          (a new FILE, or DIR/model.nir, rewritten)
 *   spikeflow nir import FILE --dt S --out DIR             NIR -> DIR/model.json + weights.safetensors
 *                                                          (the network and which node became what) and
 *                                                          DIR/model.nir (the network written back)
 *   spikeflow nir run FILE|DIR --dt S --input [NODE=]X.npy  run on recorded input, print or write outputs
 * Times are in seconds (NIR's unit). Results go to stdout; errors name the file and the node.
 * `nir run` takes one .npy per Input node, of finite values; the run lasts the inputs' common length, or
 * --steps N of at most that many rows (never padded with zeros).
 */
import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { InvalidArgumentError, Option } from "commander";
import type { Command } from "commander";
import {
  FormatError,
  InvalidParameterError,
  NotFoundError,
  ShapeMismatchError,
  describeValue,
} from "../core/errors.ts";
import { log, muteWarning } from "../core/log.ts";
import { loadRunModel } from "../experiments/run.ts";
import { lockRunDir } from "../experiments/run-lock.ts";
import { interruption, untilInterrupted, withDefaultStop } from "./signals.ts";
import { ensureDirSync, regularFile, writeFileAtomic, writeJsonAtomic } from "../io/atomic.ts";
import { refuseNonEmptyOut, refuseOutFile } from "./out-dir.ts";
import { QUIET_HELP, decimal, modelDirOf, refuseModelKind, resolveRunDir } from "./options.ts";
import type { ModelTensorInput, SavedModel } from "../io/model-codec.ts";
import { loadModel, saveModel } from "../io/model-file.ts";
import { decodeNpy, encodeNpy } from "../io/npy.ts";
import { tensorToFloat64 } from "../io/dtype.ts";
import { exportNir, importNir } from "../io/nir/file.ts";
import type { IntegrationMethod } from "../neurons/first-order.ts";
import type { IntegratorMode, NirImport, ResolvedNirImportOptions } from "../io/nir/import.ts";
import { inputPopulation, runNir } from "../io/nir/run.ts";
import { sameShape } from "../io/nir/shapes.ts";
import type { NirInputKind, NirRunInput } from "../io/nir/run.ts";
import type { ResetMode } from "../neurons/lif.ts";
import { Affine } from "../projections/affine.ts";
import { Bias } from "../projections/bias.ts";
import { WeightedProjection } from "../projections/common.ts";

/** A step in seconds, from 1 microsecond (below any simulator's step) to 1 s (above any network's). */
const isStep = (n: number): boolean => n >= 1e-6 && n <= 1;
/** The choices of --method, --integrators and --reset, also the values a saved import may hold. */
const METHODS = ["exact", "euler"] as const;
const INTEGRATOR_MODES = ["per-step", "ode"] as const;
const RESET_MODES = ["to-value", "subtract"] as const;

/**
 * Parser of --dt: a decimal step in seconds in [1e-6, 1]; outside that, a value is a slip (ms for s, a lost
 * exponent sign), not a step.
 */
function seconds(v: string): number {
  const n = decimal(v);
  if (!isStep(n))
    throw new InvalidArgumentError(
      `--dt must be a step in seconds in [1e-6, 1] (1 microsecond to 1 s; 0.001 is 1 ms), got "${v}"`,
    );
  return n;
}

interface ConversionOpts {
  dt?: number | undefined;
  method: IntegrationMethod;
  integrators: IntegratorMode;
}

function conversionOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option("--method <m>", "discretisation of LIF, CubaLIF and LI").choices(METHODS).default("exact"),
    )
    .addOption(
      new Option("--integrators <m>", "IF and I: v += r x per step, or dv/dt = r x in seconds")
        .choices(INTEGRATOR_MODES)
        .default("per-step"),
    );
}

interface ImportOpts extends ConversionOpts {
  reset: ResetMode;
  danglingEdges: "repair" | "error";
}

function importOptions(cmd: Command): Command {
  return conversionOptions(cmd)
    .addOption(
      new Option("--reset <mode>", "reset after a spike: v <- v_reset, or v <- v - (v_th - v_reset)")
        .choices(RESET_MODES)
        .default("to-value"),
    )
    .addOption(
      new Option(
        "--dangling-edges <mode>",
        "subgraph edges naming a missing node: repair (warns) or error (refuses the file)",
      )
        .choices(["repair", "error"])
        .default("repair"),
    );
}

async function doImport(file: string, o: ImportOpts): Promise<NirImport> {
  if (o.dt === undefined) throw new InvalidParameterError("--dt is required: NIR files store no time step");
  return importNir(file, {
    dt_s: o.dt,
    reset: o.reset,
    method: o.method,
    integrators: o.integrators,
    danglingEdges: o.danglingEdges,
  });
}

function describeImport(imp: NirImport): string {
  const o = imp.options;
  const lines = [
    `options: dt = ${o.dt_s} s, reset "${o.reset}", method "${o.method}", integrators "${o.integrators}"`,
    "populations:",
    ...imp.populations.map((p) => `  ${p.population}: ${p.type} -> ${p.model} [${p.shape.join(", ")}]`),
    "projections:",
    ...imp.projections.map(
      (p) =>
        `  ${p.projection}: ${p.source} -> ${p.target} (${p.kind}; nodes ${p.nodes.join(" + ") || "none"})`,
    ),
    `inputs: ${Object.keys(imp.inputs).join(", ") || "none"}`,
    ...Object.entries(imp.outputs).map(
      ([out, pop]) =>
        `output ${out}: ${pop}, ` +
        (imp.latency_steps[out] == null
          ? "not reached from any Input node (it runs on its own dynamics and biases)"
          : `${imp.latency_steps[out]} step(s) after its input`),
    ),
  ];
  return lines.join("\n") + "\n";
}

function summary(imp: NirImport): Record<string, unknown> {
  return {
    options: imp.options,
    populations: imp.populations,
    projections: imp.projections,
    inputs: imp.inputs,
    outputs: imp.outputs,
    latency_steps: imp.latency_steps,
  };
}

/**
 * Takes the lock of a new --out directory (created now; released, and removed if still empty, when the
 * command ends), then checks again that no other command wrote into it between the first check and the lock.
 */
function lockOut(out: string, command: string): void {
  lockRunDir(out, command, `--out ${out}`, { create: true, alt: " or pick another --out" });
  refuseNonEmptyOut(out);
}

/**
 * `nir run DIR` runs DIR/model.nir: refuses one that does not hold the network DIR/model.json describes (a
 * file copied in from elsewhere, or edited): the populations (name, node type, size) and the projections'
 * weights and biases, bit for bit, must be those `nir import` recorded.
 */
function refuseForeignNir(dir: string, model: SavedModel, imp: NirImport): void {
  const nir = join(dir, "model.nir");
  const refuse = (difference: string): never => {
    throw new FormatError(
      `${nir} does not hold the network ${join(dir, "model.json")} describes: ${difference}; it was replaced ` +
        `or edited (import the NIR file again with "spikeflow nir import", or run the NIR file itself)`,
      { file: nir },
    );
  };
  const recorded = (model.config as { populations?: unknown }).populations;
  const key = (p: { population?: unknown; type?: unknown; size?: unknown }): string =>
    `${String(p.population)} (${String(p.type)}, ${String(p.size)} neuron${p.size === 1 ? "" : "s"})`;
  const want = Array.isArray(recorded) ? recorded.map((p) => key(p as Record<string, unknown>)) : [];
  const have = imp.populations.map(key);
  const missing = want.find((p) => !have.includes(p));
  if (missing !== undefined) refuse(`it has no population ${missing}`);
  const extra = have.find((p) => !want.includes(p));
  if (extra !== undefined) refuse(`its population ${extra} is not in model.json`);
  const tensors = tensorsOf(imp);
  for (const name of new Set([...Object.keys(tensors), ...Object.keys(model.tensors)])) {
    const a = tensors[name]?.data;
    const b = model.tensors[name]?.data;
    if (a === undefined || b === undefined) {
      refuse(`${a === undefined ? "model.json has" : "it has"} a tensor ${name} that the other lacks`);
    }
    if (a.length !== b.length) refuse(`${name} holds ${a.length} values, model.json ${b.length}`);
    for (let k = 0; k < a.length; k++) {
      if (!Object.is(a[k], b[k])) refuse(`${name}[${k}] is ${a[k]}, model.json ${b[k]}`);
    }
  }
}

/** What turns a step of shape `step` into the Input's `shape` (same number of values). */
function layoutHint(step: readonly number[], shape: readonly number[]): string {
  const target = `[steps, ${shape.join(", ")}]`;
  if (
    sameShape(
      step.filter((d) => d !== 1),
      shape.filter((d) => d !== 1),
    )
  ) {
    const n = Math.abs(step.length - shape.length);
    return (
      `it has ${n === 1 ? "an axis" : `${n} axes`} of size 1 ${step.length > shape.length ? "too many" : "too few"}: ` +
      `reshape it to ${target}`
    );
  }
  const sorted = (a: readonly number[]): number[] => [...a].sort((x, y) => x - y);
  if (sameShape(sorted(step), sorted(shape)))
    return `its axes are in another order: transpose them to ${target}`;
  return `reshape it to ${target}, if its values are in that order`;
}

/** Every weight and bias of the network, under "<projection>.weight" / ".bias" (engine layout). */
function tensorsOf(imp: NirImport): Record<string, ModelTensorInput> {
  const out: Record<string, ModelTensorInput> = {};
  const net = imp.network;
  for (const name of net.projectionNames) {
    const p = net.projection(name);
    if (p instanceof WeightedProjection) out[`${name}.weight`] = { data: p.w, shape: [p.w.length] };
    if (p instanceof Affine || p instanceof Bias)
      out[`${name}.bias`] = { data: p.bias, shape: [p.bias.length] };
  }
  return out;
}

function parseInputArg(v: string, previous: string[] = []): string[] {
  const path = v.slice(v.indexOf("=") + 1);
  if (path.trim() === "") {
    throw new InvalidArgumentError(
      `--input needs a .npy file (or NODE=file.npy), got ${JSON.stringify(v)}; give the path of the file`,
    );
  }
  return [...previous, v];
}

/**
 * The bytes of an --input file, refusing up front what is not a regular file (regularFile: a FIFO's read could
 * block past Ctrl-C) or is too large to read at once.
 */
async function readInputFile(path: string): Promise<Uint8Array> {
  const f = regularFile(path);
  if ("missing" in f) {
    throw new NotFoundError(`--input ${path} does not exist; give the path of a .npy file`, { file: path });
  }
  if ("is" in f) {
    throw new InvalidParameterError(`--input ${path} is ${f.is}; give the path of a .npy file`, {
      file: path,
    });
  }
  if (f.size > MAX_INPUT_BYTES) {
    throw new InvalidParameterError(
      `--input ${path} is ${f.size} bytes, more than the ${MAX_INPUT_BYTES} bytes one read holds; split the ` +
        "input into several runs",
      { file: path },
    );
  }
  return new Uint8Array(await readFile(path));
}

/** The largest --input file read (what fs.readFile reads into one buffer). */
const MAX_INPUT_BYTES = 2 ** 31 - 1;

/** An input read from a .npy file, with the file it came from. */
interface FileInput extends NirRunInput {
  readonly path: string;
}

async function readInputs(
  imp: NirImport,
  specs: readonly string[],
  kind: NirInputKind,
): Promise<Record<string, FileInput>> {
  const names = Object.keys(imp.inputs);
  const inputs: Record<string, FileInput> = {};
  for (const spec of specs) {
    const eq = spec.indexOf("=");
    const [node, path] = eq > 0 && !existsSync(spec) ? [spec.slice(0, eq), spec.slice(eq + 1)] : [null, spec];
    const name = node ?? (names.length === 1 ? names[0] : null);
    if (name === null) {
      throw new InvalidParameterError(
        names.length === 0
          ? `the graph has no Input node, so it takes no --input (${path}); run it on its own with --steps N`
          : `the graph has ${names.length} Input nodes (${names.join(", ")}); give --input NODE=${path}`,
      );
    }
    // the node first: a file of the wrong shape for a node that is no input would be refused for its shape
    let population: string;
    try {
      population = inputPopulation(imp, name);
    } catch (e) {
      if (!(e instanceof InvalidParameterError)) throw e;
      throw new InvalidParameterError(`--input ${spec}: ${e.message}`);
    }
    const earlier = inputs[name];
    if (earlier !== undefined) {
      throw new InvalidParameterError(
        `--input is given twice for Input node "${name}" (${earlier.path} and ${path}); give one file per ` +
          `Input node`,
      );
    }
    let t;
    try {
      t = decodeNpy(await readInputFile(path), path);
    } catch (e) {
      // the file's own problem, said as the option's
      if (e instanceof FormatError) throw new FormatError(`--input ${e.message}`, e.details);
      throw e;
    }
    const size = imp.network.population(population).size;
    const steps = t.shape.length === 0 ? 1 : t.shape[0];
    if (steps === 0) {
      throw new InvalidParameterError(
        `--input ${path} has no rows (shape [${t.shape.join(", ")}]): a run needs at least one step of input`,
      );
    }
    const per = t.shape.slice(1).reduce((a, b) => a * b, 1);
    // a step is the Input's own shape, or flat: the same count in another layout (channels last for
    // channels first) would feed scrambled values without a word
    const shape = imp.populations.find((p) => p.population === population)?.shape ?? [size];
    const step = t.shape.slice(1);
    const fits =
      (t.shape.length === 1 && size === 1) ||
      (step.length === 1 && step[0] === size) ||
      sameShape(step, shape);
    if (!fits) {
      throw new ShapeMismatchError(
        `--input ${path}: shape [${t.shape.join(", ")}] should be [steps, ${shape.join(", ")}]` +
          (shape.length > 1 ? ` or [steps, ${size}]` : "") +
          ` for Input "${name}"` +
          (per === size ? ` (the same number of values in another layout: ${layoutHint(step, shape)})` : ""),
      );
    }
    // F16 / BF16 tensors hold bit patterns (io/dtype.ts): decode them, never read the patterns as numbers
    const data = tensorToFloat64(t);
    const bad = data.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) {
      const at =
        t.shape.length > 1
          ? ` (step ${Math.floor(bad / per)}, value ${bad % per} of the step)`
          : t.shape.length === 1
            ? ` (step ${bad})`
            : "";
      throw new InvalidParameterError(
        `${path}: value ${bad}${at} is ${data[bad]}; inputs must be finite numbers (spikes 0/1 or currents)`,
      );
    }
    inputs[name] = { data, steps, kind, path };
  }
  const silent = names.filter((n) => inputs[n] === undefined);
  if (specs.length > 0 && silent.length > 0) {
    log.warn(
      "nir-input-missing",
      `no --input for Input node${silent.length > 1 ? "s" : ""} ${silent.map((n) => `"${n}"`).join(", ")}: ` +
        `${silent.length > 1 ? "they stay" : "it stays"} silent for the whole run; give --input NODE=FILE.npy ` +
        `for each Input node (${names.join(", ")}) to drive ${silent.length > 1 ? "them" : "it"}`,
    );
  }
  return inputs;
}

/**
 * The step count of a run: --steps, or the inputs' common length. Refuses --steps beyond an input's rows (the
 * run would silently feed zeros) and inputs of different lengths without --steps.
 */
function runSteps(inputs: Readonly<Record<string, FileInput>>, steps: number | undefined): number {
  const given = Object.values(inputs);
  if (steps === undefined) {
    const longest = given.reduce<FileInput | undefined>(
      (a, b) => (a && a.steps >= b.steps ? a : b),
      undefined,
    );
    const short = given.find((x) => x.steps !== longest?.steps);
    if (longest !== undefined && short !== undefined) {
      throw new ShapeMismatchError(
        `${short.path} has ${short.steps} rows (steps) but ${longest.path} has ${longest.steps}; give inputs ` +
          `of equal length, or --steps ${short.steps} to run the common part`,
      );
    }
    return longest?.steps ?? 0;
  }
  for (const x of given) {
    if (steps > x.steps) {
      throw new InvalidParameterError(
        `--steps ${steps} is more than the ${x.steps} rows (steps) of ${x.path}; give --steps ${x.steps} or ` +
          `fewer, or append zero rows to the input to run longer`,
      );
    }
  }
  return steps;
}

/** Adds the `nir` command group to the program. */
/**
 * Refuses a directory that `nir run` cannot take: a train run (or its model/), whose model must be exported
 * to NIR first, or a model of another kind (refuseModelKind).
 */
function refuseNotImported(dir: string): void {
  if (existsSync(join(dir, "model.json"))) {
    refuseModelKind(dir, "nir run");
    return;
  }
  if (existsSync(join(dir, "config.json")) || existsSync(join(dir, "model", "model.json"))) {
    const nir = join(dir, "model.nir");
    throw new InvalidParameterError(
      `${dir} is a run directory, not a NIR file or a directory written by \`spikeflow nir import\`; ` +
        (existsSync(nir)
          ? `run the NIR file \`nir export\` wrote there: "spikeflow nir run ${nir} ..."`
          : `export its model first with "spikeflow nir export ${dir}" and run the ${nir} it writes`),
    );
  }
}

/**
 * The import options a `nir import` directory recorded (model.json, `config.options`: dt_s, reset, method,
 * integrators), for the ones the command line does not give (`given(field)`). Each of those must be there
 * and valid, as the command line would check it; otherwise, and for a key `nir import` never writes, a
 * FormatError names the file and the field. A field the command line gives is not read at all, so giving
 * the option is a way past a damaged one.
 */
function savedImportOptions(
  dir: string,
  config: unknown,
  given: (field: keyof ResolvedNirImportOptions) => boolean,
): Partial<ResolvedNirImportOptions> {
  const file = join(dir, "model.json");
  const fix = `import the NIR file again with "spikeflow nir import", or give the option on the command line`;
  const bad = (field: string, problem: string): FormatError =>
    new FormatError(`${file}: ${field} ${problem}; ${fix}`, { file, field });
  const fields = ["dt_s", "reset", "method", "integrators"] as const;
  const options = (config as { options?: unknown } | undefined)?.options;
  if (fields.every(given)) return {};
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw bad("config.options", `is ${describeValue(options)}; expected an object`);
  }
  const o = options as Record<string, unknown>;
  const unknown = Object.keys(o).find((k) => !(fields as readonly string[]).includes(k));
  if (unknown !== undefined) {
    throw bad(`config.options.${unknown}`, `is not an option nir import records (${fields.join(", ")})`);
  }
  const check = (field: (typeof fields)[number], ok: (v: unknown) => boolean, expected: string): void => {
    if (given(field)) return;
    if (o[field] === undefined) {
      throw bad(`config.options.${field}`, "is missing, so the directory does not say how it was imported");
    }
    if (!ok(o[field]))
      throw bad(`config.options.${field}`, `is ${describeValue(o[field])}; expected ${expected}`);
  };
  const among = (allowed: readonly string[]) => (v: unknown) => allowed.includes(v as string);
  const quoted = (allowed: readonly string[]) => allowed.map((a) => JSON.stringify(a)).join(" or ");
  check("dt_s", (v) => typeof v === "number" && isStep(v), "a step in seconds in [1e-6, 1], as --dt takes");
  check("reset", among(RESET_MODES), quoted(RESET_MODES));
  check("method", among(METHODS), quoted(METHODS));
  check("integrators", among(INTEGRATOR_MODES), quoted(INTEGRATOR_MODES));
  return o as Partial<ResolvedNirImportOptions>;
}

export function addNirCommands(program: Command): void {
  const nir = program
    .command("nir")
    .description("NIR (Neuromorphic Intermediate Representation): export, import, run");

  conversionOptions(
    nir
      .command("export <dir>")
      .description(
        "write the model of a saved run (DIR, DIR/model or any directory holding a model.json) as a NIR file",
      )
      .option("--dt <s>", "step in seconds (must be the model's; default: the model's)", seconds)
      .option("--out <file>", "new NIR file to write (default DIR/model.nir, which a new export replaces)"),
  )
    .option("--json", "print the result as JSON")
    .option("--quiet", QUIET_HELP)
    .action(async (given: string, o: ConversionOpts & { out?: string; json?: boolean }) => {
      const dir = resolveRunDir(given, "nir export");
      // a new file, or the one this command writes by default (exporting again replaces it)
      const own = join(dir, "model.nir");
      const path = o.out ?? own;
      refuseOutFile(
        path,
        o.out === undefined ? undefined : "--out",
        resolve(path) === resolve(own),
        o.out === undefined
          ? "remove it or give --out FILE"
          : `choose a new --out or delete it (nir export replaces only its default ${own})`,
        o.out === undefined ? "give --out FILE in a directory you can write to" : undefined,
      );
      // writing into the run directory (the default model.nir): no other command may write there meanwhile
      const rel = relative(resolve(dir), dirname(resolve(path)));
      if (!rel.startsWith("..") && !isAbsolute(rel)) {
        lockRunDir(dir, "nir export", `the run directory ${dir}`);
      }
      const { model } = await loadRunModel(modelDirOf(dir), false);
      const net = model.net;
      const outName = net.populationNames.find((n) => net.population(n) === model.output)!;
      const inName = net.populationNames.find((n) => net.population(n) === model.input)!;
      const side = Math.round(Math.sqrt(model.inputSize));
      // what NIR cannot express is printed below with the result (or in --json's notes), not logged too
      muteWarning("nir-export-lossy");
      const r = await exportNir(net, {
        ...(o.dt !== undefined ? { dt_s: o.dt } : {}),
        method: o.method,
        integrators: o.integrators,
        outputs: { output: outName },
        ...(side * side === model.inputSize ? { shapes: { [inName]: [side, side] } } : {}),
        metadata: { "spikeflow.model": model.kind },
      });
      // written once the export has succeeded: a refused export creates no directory and leaves no file
      ensureDirSync(dirname(resolve(path)));
      await writeFileAtomic(path, r.bytes);
      const nodes = Object.entries(r.document.graph.nodes).map(([k, n]) => `${k} (${n.type})`);
      if (o.json)
        process.stdout.write(
          JSON.stringify({ path, bytes: r.bytes.length, nodes, notes: r.notes }, null, 2) + "\n",
        );
      else {
        process.stdout.write(
          `${path}: ${r.bytes.length} bytes, nodes ${nodes.join(", ")}\n` +
            (r.notes.length > 0
              ? `not expressible in NIR:\n${r.notes.map((n) => `  ${n}`).join("\n")}\n`
              : ""),
        );
      }
    });

  importOptions(
    nir
      .command("import <file>")
      .description("import a NIR file; writes DIR/model.json + weights.safetensors and DIR/model.nir")
      .requiredOption("--dt <s>", "step in seconds (NIR stores none)", seconds)
      .requiredOption("--out <dir>", "directory to write"),
  )
    .option("--json", "print the description as JSON")
    .option("--quiet", QUIET_HELP)
    .action(async (file: string, o: ImportOpts & { out: string; json?: boolean }) => {
      refuseNonEmptyOut(o.out);
      // Ctrl-C during the import writes nothing; once writing has begun it completes, and says so
      const imp = await untilInterrupted(async (signal) => {
        const imp = await doImport(file, o);
        if (signal.aborted) throw interruption(signal, "interrupted; nothing was written");
        lockOut(o.out, "nir import");
        ensureDirSync(o.out);
        await saveModel(o.out, {
          kind: "nir-network",
          config: { source: file, ...summary(imp) },
          tensors: tensorsOf(imp),
        });
        await exportNir(imp.network, {
          method: imp.options.method,
          integrators: imp.options.integrators,
          shapes: imp.exportHints.shapes,
          outputs: imp.exportHints.outputs,
          path: join(o.out, "model.nir"),
        });
        if (signal.aborted) throw interruption(signal, `interrupted after writing; ${o.out} is complete`);
        return imp;
      });
      if (o.json) process.stdout.write(JSON.stringify(summary(imp), null, 2) + "\n");
      else process.stdout.write(`${file} -> ${o.out}\n${describeImport(imp)}`);
    });

  importOptions(
    nir
      .command("run <file>")
      .description("run a NIR file (or a DIR from `nir import`) on input from .npy files, one row per step")
      .option("--dt <s>", "step in seconds (default for a DIR: the one it was imported with)", seconds)
      .option(
        "--input <[node=]file.npy>",
        "input per step, shape [steps, ...]; repeat per Input node",
        parseInputArg,
      )
      .addOption(
        new Option("--kind <k>", "input values are spikes (nonzero = spike) or currents")
          .choices(["auto", "spikes", "current"])
          .default("auto"),
      )
      .option(
        "--steps <n>",
        "steps to run (default: the input's rows; at most that many)",
        (v: string): number => {
          const n = decimal(v);
          if (!Number.isSafeInteger(n) || n < 1)
            throw new InvalidArgumentError(
              `--steps must be an integer from 1 (a run of no step has no output) to 2^53 - 1, got "${v}"`,
            );
          return n;
        },
      )
      .option("--out <dir>", "write <output>.npy per Output node and run.json"),
  )
    .option("--json", "print the result as JSON")
    .option("--quiet", QUIET_HELP)
    .action(
      async (
        file: string,
        o: ImportOpts & {
          input?: string[];
          kind: NirInputKind;
          steps?: number;
          out?: string;
          json?: boolean;
        },
        cmd: Command,
      ) => {
        let path = file;
        let directory: { dir: string; model: SavedModel } | undefined;
        if (existsSync(file) && statSync(file).isDirectory()) {
          // a directory from `nir import`: its options apply unless given on the command line
          path = join(file, "model.nir");
          refuseNotImported(file);
          const fromCli = (name: string): boolean => cmd.getOptionValueSource(name) === "cli";
          const given = (field: keyof ResolvedNirImportOptions): boolean =>
            field === "dt_s" ? o.dt !== undefined : fromCli(field);
          const model = await loadModel(file);
          const saved = savedImportOptions(file, model.config, given);
          directory = { dir: file, model };
          o.dt ??= saved.dt_s;
          if (!fromCli("reset")) o.reset = saved.reset!;
          if (!fromCli("method")) o.method = saved.method!;
          if (!fromCli("integrators")) o.integrators = saved.integrators!;
        }
        if (o.out !== undefined) refuseNonEmptyOut(o.out);
        // Ctrl-C while reading ends the command with nothing written; during the simulation (one synchronous
        // piece) it ends the process at once, before any file or lock exists; once writing has begun it
        // completes, and says so
        await untilInterrupted(async (signal) => {
          const imp = await doImport(path, o);
          if (directory !== undefined) refuseForeignNir(directory.dir, directory.model, imp);
          // after the import, so that a file that is not there is named first
          if ((o.input ?? []).length === 0 && o.steps === undefined) {
            throw new InvalidParameterError(
              "nir run needs --input [NODE=]FILE.npy (one row per step) or --steps N (to run without input)",
            );
          }
          if (Object.keys(imp.outputs).length === 0) {
            // a run with nothing to report is allowed (it checks the file runs) but said
            log.warn(
              "nir-no-output",
              `${path} has no Output node that a neuron feeds, so the run reports no output ("outputs": {})`,
            );
          }
          const inputs = await readInputs(imp, o.input ?? [], o.kind);
          // the run inputs without the CLI's bookkeeping (the file each came from)
          const given = Object.fromEntries(
            Object.entries(inputs).map(([name, { data, steps, kind }]) => [name, { data, steps, kind }]),
          );
          const r = withDefaultStop(() => runNir(imp, given, { steps: runSteps(inputs, o.steps) }));
          if (signal.aborted) throw interruption(signal, "interrupted; nothing was written");
          if (o.out !== undefined) lockOut(o.out, "nir run");
          const report: Record<string, unknown> = {
            steps: r.steps,
            options: imp.options,
            inputKinds: r.inputKinds,
            outputs: {},
          };
          for (const [out, res] of Object.entries(r.outputs)) {
            const n = res.shape[1];
            const perNeuron = new Array<number>(n).fill(0);
            let first: number | null = null;
            if (res.quantity === "spikes") {
              for (let k = 0; k < res.data.length; k++) {
                if (res.data[k] !== 0) {
                  perNeuron[k % n]++;
                  first ??= Math.floor(k / n);
                }
              }
            }
            (report.outputs as Record<string, unknown>)[out] = {
              population: res.population,
              quantity: res.quantity,
              shape: res.shape,
              latency_steps: imp.latency_steps[out],
              ...(res.quantity === "spikes"
                ? {
                    spikes: perNeuron.reduce((a, b) => a + b, 0),
                    spikesPerNeuron: perNeuron,
                    firstSpikeStep: first,
                  }
                : { last: Array.from(res.data.subarray(res.data.length - n)) }),
            };
            if (o.out !== undefined) {
              ensureDirSync(o.out);
              const data = res.data;
              const tensor =
                data instanceof Uint8Array
                  ? { dtype: "U8" as const, shape: [...res.shape], data }
                  : { dtype: "F32" as const, shape: [...res.shape], data };
              await writeFileAtomic(
                join(o.out, `${out.replace(/[^A-Za-z0-9_.-]/g, "_")}.npy`),
                encodeNpy(tensor, out),
              );
            }
          }
          if (o.out !== undefined) await writeJsonAtomic(join(o.out, "run.json"), report);
          if (signal.aborted && o.out !== undefined) {
            throw interruption(signal, `interrupted after writing; ${o.out} is complete`);
          }
          process.stdout.write(
            o.json || o.out === undefined ? JSON.stringify(report, null, 2) + "\n" : `wrote ${o.out}\n`,
          );
        });
      },
    );
}
