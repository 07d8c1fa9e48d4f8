/** Test-only building blocks: a population that spikes on a script, and a tiny dense projection. */
import assert from "node:assert/strict";
import { InvalidParameterError } from "../../src/core/errors.ts";
import { PopulationBase } from "../../src/neurons/base.ts";
import type {
  Population,
  Projection,
  StepContext,
  SynapseView,
  LearningRule,
} from "../../src/network/types.ts";

/** Spikes neuron i at the steps listed in script[i] (steps counted by ctx.step). */
export class ScriptedPopulation extends PopulationBase {
  readonly model = "scripted";
  private readonly byStep = new Map<number, number[]>();
  constructor(size: number, script: Record<number, number[]>) {
    super(size, ["input"]);
    for (const [i, steps] of Object.entries(script)) {
      for (const s of steps) {
        const l = this.byStep.get(s) ?? [];
        l.push(Number(i));
        this.byStep.set(s, l);
      }
    }
  }
  step(ctx: StepContext): void {
    this.beginSpikes();
    const l = (this.byStep.get(ctx.step) ?? []).slice().sort((a, b) => a - b);
    for (const i of l) this.pushSpike(i);
    this.port().fill(0);
  }
}

/** All-to-all weights, row-major [pre][post]; enough for rule tests. */
export class TinyDense implements Projection {
  readonly kind = "tiny-dense";
  readonly rules: LearningRule[] = [];
  readonly port: string;
  readonly view: SynapseView;
  constructor(
    readonly source: Population,
    readonly target: Population,
    readonly w: Float32Array,
    readonly bounds = { wMin: 0, wMax: 1 },
  ) {
    this.port = target.portNames[0];
    const nPre = source.size;
    const nPost = target.size;
    this.view = {
      w,
      preSize: nPre,
      postSize: nPost,
      maxFanIn: nPre,
      maxFanOut: nPost,
      incoming(j, pre, widx) {
        for (let i = 0; i < nPre; i++) {
          pre[i] = i;
          widx[i] = i * nPost + j;
        }
        return nPre;
      },
      outgoing(i, post, widx) {
        for (let j = 0; j < nPost; j++) {
          post[j] = j;
          widx[j] = i * nPost + j;
        }
        return nPost;
      },
    };
  }
  deliver(): void {
    const p = this.target.port(this.port);
    const n = this.target.size;
    for (let k = 0; k < this.source.spikeCount; k++) {
      const i = this.source.spikeIdx[k];
      for (let j = 0; j < n; j++) p[j] += this.w[i * n + j];
    }
  }
}

/** The message of the InvalidParameterError `act` throws; fails the test when it throws nothing or another error. */
export function refusal(act: () => unknown): string {
  try {
    act();
  } catch (e) {
    assert.ok(e instanceof InvalidParameterError, `${(e as Error).constructor.name}: ${String(e)}`);
    return e.message;
  }
  throw new Error("expected a refusal");
}
