/**
 * `SampleStore` (internal): the sample buffers of StateMonitor and SynapseMonitor. Each sample is one value of
 * each of `channels` channels and the step it was taken at. With a `window` the buffers are a ring that keeps
 * the last `window` samples and never grows; without one they start at `capacity` samples and double when
 * full. `record` allocates nothing except when a store without a window grows.
 */
import { allocateBuffer, requireBufferLength } from "../core/errors.ts";

/** The texts of a buffer-size error: what was being allocated, and how to fix it. */
export interface BufferTexts {
  readonly what: string;
  readonly fix: string;
}

export class SampleStore {
  private buf: Float32Array;
  private stepBuf: Int32Array;
  /** Samples written since reset (may exceed the window). */
  private written = 0;

  /**
   * `texts` names the first allocation (of `window ?? capacity` samples); `growing(cap)` is called before each
   * growth to `cap` samples and names it (a monitor may warn there).
   */
  constructor(
    readonly channels: number,
    readonly window: number | undefined,
    capacity: number,
    texts: BufferTexts,
    private readonly growing: (cap: number) => BufferTexts,
  ) {
    const cap = window ?? capacity;
    const { what, fix } = texts;
    // both sizes checked before either is allocated
    requireBufferLength(what, Math.max(cap, cap * channels), Float32Array.BYTES_PER_ELEMENT, fix);
    this.stepBuf = allocateBuffer(Int32Array, cap, what, fix);
    this.buf = allocateBuffer(Float32Array, cap * channels, what, fix);
  }

  /** Stores one sample: `src[ids[k]]` for each channel k, taken at `step`. */
  record(step: number, src: Float32Array, ids: Int32Array): void {
    const n = this.channels;
    let slot: number;
    if (this.window !== undefined) {
      slot = this.written % this.window;
    } else {
      slot = this.written;
      if (slot >= this.stepBuf.length) this.grow();
    }
    const base = slot * n;
    for (let k = 0; k < n; k++) this.buf[base + k] = src[ids[k]];
    this.stepBuf[slot] = step;
    this.written++;
  }

  private grow(): void {
    const cap = this.stepBuf.length * 2;
    const { what, fix } = this.growing(cap);
    requireBufferLength(what, Math.max(cap, cap * this.channels), Float32Array.BYTES_PER_ELEMENT, fix);
    const s = allocateBuffer(Int32Array, cap, what, fix);
    const b = allocateBuffer(Float32Array, cap * this.channels, what, fix);
    b.set(this.buf);
    s.set(this.stepBuf);
    this.buf = b;
    this.stepBuf = s;
  }

  /** Number of samples held (at most `window`). */
  get length(): number {
    return this.window === undefined ? this.written : Math.min(this.written, this.window);
  }

  /** The samples in time order and their steps (copies): sample s of channel k is `data[s * channels + k]`. */
  values(): { steps: Int32Array; data: Float32Array } {
    const n = this.channels;
    const len = this.length;
    const data = new Float32Array(len * n);
    const steps = new Int32Array(len);
    const first = this.window === undefined ? 0 : Math.max(0, this.written - this.window);
    for (let s = 0; s < len; s++) {
      const slot = this.window === undefined ? s : (first + s) % this.window;
      data.set(this.buf.subarray(slot * n, slot * n + n), s * n);
      steps[s] = this.stepBuf[slot];
    }
    return { steps, data };
  }

  /** The series of channel k (0 <= k < channels, checked by the caller), in time order (a copy). */
  trace(k: number): Float32Array {
    const { data } = this.values();
    const n = this.channels;
    const out = new Float32Array(this.length);
    for (let s = 0; s < out.length; s++) out[s] = data[s * n + k];
    return out;
  }

  /** Bytes held by the buffers. */
  get bytes(): number {
    return this.buf.byteLength + this.stepBuf.byteLength;
  }

  reset(): void {
    this.written = 0;
  }
}
