/**
 * 2-D average pooling: each output is the mean of its window, y(c, oy, ox) = (1 / (kh kw)) * sum over the
 * window of x(c, y, x), the NIR `AvgPool2d` primitive with PyTorch's defaults (count_include_pad = True: the
 * divisor is always kh kw, padded positions count as zeros; ceil_mode = False). One fixed weight 1 / (kh kw).
 * Geometry, layout, delivery and cost: pool-2d.ts.
 */
import type { Population } from "../network/types.ts";
import { Pool2d } from "./pool-2d.ts";
import type { Pool2dOptions } from "./pool-2d.ts";

export type AvgPool2dOptions = Pool2dOptions;

export class AvgPool2d extends Pool2d {
  readonly kind = "avg-pool-2d";

  constructor(source: Population, target: Population, opts: AvgPool2dOptions) {
    super(source, target, opts, (g) => 1 / (g.kh * g.kw), "AvgPool2d");
  }
}
