/**
 * 2-D sum pooling: each output is the sum of its window, y(c, oy, ox) = sum over the window of x(c, y, x),
 * the NIR `SumPool2d` primitive (PyTorch's AvgPool2d with divisor_override = 1). One fixed weight of 1.
 * Geometry, layout, delivery and cost: pool-2d.ts.
 */
import type { Population } from "../network/types.ts";
import { Pool2d } from "./pool-2d.ts";
import type { Pool2dOptions } from "./pool-2d.ts";

export type SumPool2dOptions = Pool2dOptions;

export class SumPool2d extends Pool2d {
  readonly kind = "sum-pool-2d";

  constructor(source: Population, target: Population, opts: SumPool2dOptions) {
    super(source, target, opts, () => 1, "SumPool2d");
  }
}
