// The canvas-free image helpers (PNG encoder, base64, colour map) and the resvg PNG path (text must render).
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { unzlibSync } from "fflate";
import { InvalidParameterError } from "../../src/core/errors.ts";
import { crc32 } from "../../src/io/crc32.ts";
import { MISSING_RGB, base64, colorize, encodePngRgb, hotR, pngDataUri } from "../../src/plot/image.ts";
import { rasterize, svgToPng } from "../../src/plot/png.ts";

test("base64 matches Node's encoder for any bytes", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
      assert.equal(base64(b), Buffer.from(b).toString("base64"));
    }),
    { seed: 1 },
  );
});

test("PNG: signature, IHDR, valid CRCs, and IDAT rows = filter byte 0 + the RGB data", () => {
  const w = 3;
  const h = 2;
  const rgb = Uint8Array.from({ length: w * h * 3 }, (_, i) => i * 11);
  const png = encodePngRgb(w, h, rgb);
  assert.deepEqual(Array.from(png.subarray(0, 8)), [137, 80, 78, 71, 13, 10, 26, 10]);
  const v = new DataView(png.buffer, png.byteOffset);
  const chunks: { type: string; data: Uint8Array }[] = [];
  for (let o = 8; o < png.length;) {
    const len = v.getUint32(o);
    const type = String.fromCharCode(...png.subarray(o + 4, o + 8));
    const data = png.subarray(o + 8, o + 8 + len);
    assert.equal(v.getUint32(o + 8 + len), crc32(png.subarray(o + 4, o + 8 + len)), `${type} CRC`);
    chunks.push({ type, data });
    o += 12 + len;
  }
  assert.deepEqual(
    chunks.map((c) => c.type),
    ["IHDR", "IDAT", "IEND"],
  );
  const ih = new DataView(chunks[0].data.buffer, chunks[0].data.byteOffset);
  assert.equal(ih.getUint32(0), w);
  assert.equal(ih.getUint32(4), h);
  assert.deepEqual([chunks[0].data[8], chunks[0].data[9]], [8, 2], "8-bit truecolour");
  const raw = unzlibSync(chunks[1].data);
  assert.equal(raw.length, h * (1 + 3 * w));
  for (let y = 0; y < h; y++) {
    assert.equal(raw[y * (1 + 3 * w)], 0);
    assert.deepEqual(
      Array.from(raw.subarray(y * (1 + 3 * w) + 1, (y + 1) * (1 + 3 * w))),
      Array.from(rgb.subarray(y * 3 * w, (y + 1) * 3 * w)),
    );
  }
  assert.throws(() => encodePngRgb(2, 2, new Uint8Array(5)), /expected 3 x 2 x 2 = 12/);
});

test("colour map: vmin white, vmax black, NaN grey, clamped outside the range", () => {
  const px = colorize([0, 1, NaN, -5, 9], 5, 1, 0, 1);
  assert.deepEqual(Array.from(px.subarray(0, 3)), [255, 255, 255]);
  assert.deepEqual(Array.from(px.subarray(3, 6)), [0, 0, 0]);
  assert.deepEqual(Array.from(px.subarray(6, 9)), [...MISSING_RGB]);
  assert.deepEqual(Array.from(px.subarray(9, 12)), [255, 255, 255]);
  assert.deepEqual(Array.from(px.subarray(12, 15)), [0, 0, 0]);
  // luminance falls monotonically from white to black
  const lum = (c: readonly number[]) => 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  for (let k = 1; k <= 20; k++) assert.ok(lum(hotR(k / 20)) < lum(hotR((k - 1) / 20)));
  assert.throws(
    () => colorize([1, 2, 3], 2, 2, 0, 1),
    (e: unknown) =>
      e instanceof InvalidParameterError && /3 values, expected width x height = 2 x 2 = 4/.test(e.message),
  );
  assert.match(pngDataUri([0, 1], 2, 1, 0, 1), /^data:image\/png;base64,iVBORw0KGgo/);
});

test("PNG via resvg draws text (system fonts present) and weight tiles without smoothing", () => {
  const text =
    '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><text x="5" y="28" font-size="24" font-family="system-ui, sans-serif">Hg 42</text></svg>';
  const r = rasterize(text, { scale: 1 });
  assert.equal(r.width, 120);
  let dark = 0;
  for (let i = 0; i < r.pixels.length; i += 4) if (r.pixels[i] < 128) dark++;
  assert.ok(dark > 50, `no text drawn (${dark} dark pixels): install fonts-dejavu-core (.ci/run does)`);
  // a 2x1 black/white image stretched to 20x10 with nearest-neighbour scaling: the left half stays pure black
  const img = pngDataUri([1, 0], 2, 1, 0, 1);
  const tile = `<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10"><image href="${img}" width="20" height="10" preserveAspectRatio="none" image-rendering="pixelated"/></svg>`;
  const t = rasterize(tile, { scale: 1 });
  const at = (x: number, y: number) => t.pixels[(y * t.width + x) * 4];
  assert.equal(at(8, 5), 0, "no blur across the pixel edge");
  assert.equal(at(11, 5), 255);
  const png = svgToPng(tile);
  assert.deepEqual(Array.from(png.subarray(1, 4)), [80, 78, 71]);
});
