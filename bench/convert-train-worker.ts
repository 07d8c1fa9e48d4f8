/**
 * Worker thread (a piscina task, src/parallel/pool.ts) of bench/convert.ts: trains one network of the conversion benchmark on full MNIST and saves
 * it with saveAnn. Everything random is seeded (the initial weights from createRng(seed, "ann", net), the
 * shuffling and dropout from the training seed), so the saved weights do not depend on whether the networks
 * train in parallel threads or one after the other.
 */
import { writeSync } from "node:fs";
import { createRng } from "../src/core/rng.ts";
import { Ann, type AnnArchitecture } from "../src/convert/ann.ts";
import { type AnnTrainSettings, trainAnn } from "../src/convert/ann-train.ts";
import { saveAnn } from "../src/convert/ann-io.ts";
import { loadMnist } from "../src/data/mnist.ts";

export interface TrainJob {
  readonly net: string;
  readonly architecture: AnnArchitecture;
  readonly initSeed: number;
  readonly settings: Partial<AnnTrainSettings>;
  readonly dir: string;
}

export async function trainAndSave(job: TrainJob, log: (line: string) => void): Promise<void> {
  const ann = Ann.create(job.architecture, { rng: createRng(job.initSeed, "ann", job.net) });
  const train = loadMnist({ split: "train" });
  const test = loadMnist({ split: "test" });
  let lastLog = 0;
  const record = trainAnn(ann, train, {
    ...job.settings,
    test,
    onProgress: (p) => {
      if (p.batch === p.batches || p.elapsed_s - lastLog >= 60) {
        lastLog = p.elapsed_s;
        log(
          `${job.net}: epoch ${p.epoch} batch ${p.batch}/${p.batches} loss ${p.loss.toFixed(4)} ` +
            `(${p.elapsed_s.toFixed(0)} s)`,
        );
      }
    },
  });
  for (const e of record.epochs) {
    log(
      `${job.net}: epoch ${e.epoch}: ${e.seconds.toFixed(1)} s, loss ${e.loss.toFixed(4)}, ` +
        `test accuracy ${((e.testAccuracy ?? NaN) * 100).toFixed(2)} %`,
    );
  }
  await saveAnn(job.dir, ann, { training: record });
  log(`${job.net}: saved to ${job.dir}`);
}

/**
 * The piscina task: trains and saves one network, logging its progress straight to file descriptor 1 (a
 * worker's console.log is forwarded by its event loop, which the synchronous training blocks, so it would
 * show only at the end).
 */
export default async function run(job: TrainJob): Promise<void> {
  await trainAndSave(job, (line) => writeSync(1, `[${new Date().toISOString().slice(11, 19)}] ${line}\n`));
}
