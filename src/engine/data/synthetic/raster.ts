// Own rasteriser: integer-only, 4×4 supersampled coverage, no canvas — the RGBA bytes are
// identical in Node and in any browser (checked by a hash in a Node and a browser test).
//
// Geometry, all in integer "doubled subpixel" units to avoid fractions: the image is
// W×H pixels = (4W)×(4H) subpixels; the sample point of subpixel s is at 2s+1 in doubled
// units. Cell (col,row) centre is at ((2col+1)/6 · SW, (2row+1)/6 · SH) subpixels.
// Radii: m = min(SW,SH); large r = 5m/36, small r = 3m/36, jitter step m/96 — so even a
// large, fully jittered object stays inside its own cell (5/36 + 2/96 < 1/6).
import type { Colour, Scene, SceneObject } from './scene.ts';

export const BACKGROUND: readonly [number, number, number] = [48, 48, 48];
export const PALETTE: Record<Colour, readonly [number, number, number]> = {
  red: [220, 40, 40],
  green: [40, 180, 60],
  blue: [50, 90, 230],
  yellow: [235, 210, 40],
  purple: [150, 60, 200],
  white: [240, 240, 240],
};

const SS = 4; // subsamples per pixel side (16 per pixel)

/** Is the doubled-unit offset (dx, dy) from the centre inside the shape of doubled radius R? */
function inside(shape: SceneObject['shape'], dx: number, dy: number, R: number): boolean {
  switch (shape) {
    case 'ball':
      return dx * dx + dy * dy <= R * R;
    case 'cube': // drawn as a square, half-side 0.85 R so its area is close to the ball's
      return Math.abs(dx) * 20 <= R * 17 && Math.abs(dy) * 20 <= R * 17;
    case 'diamond':
      return Math.abs(dx) + Math.abs(dy) <= R;
    case 'triangle': // apex (0,-R), base from (-R, 3R/4) to (R, 3R/4)
      return dy >= -R && 4 * dy <= 3 * R && 7 * Math.abs(dx) <= 4 * (dy + R);
  }
}

export function renderScene(scene: Scene, width = 64, height = 64): Uint8ClampedArray {
  const out = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    out[4 * i] = BACKGROUND[0];
    out[4 * i + 1] = BACKGROUND[1];
    out[4 * i + 2] = BACKGROUND[2];
    out[4 * i + 3] = 255;
  }
  const SW = width * SS;
  const SH = height * SS;
  const m = Math.min(SW, SH);
  const step = Math.floor(m / 96);
  for (const o of scene.objects) {
    // Centre and radius in doubled subpixel units.
    const cx = 2 * (Math.floor(((2 * o.col + 1) * SW) / 6) + o.jx * step);
    const cy = 2 * (Math.floor(((2 * o.row + 1) * SH) / 6) + o.jy * step);
    const R = 2 * Math.floor(((o.size === 'large' ? 5 : 3) * m) / 36);
    const [fr, fg, fb] = PALETTE[o.colour];
    // Pixel bounding box (clamped).
    const x0 = Math.max(0, Math.floor((cx - R) / (2 * SS)) - 1);
    const x1 = Math.min(width - 1, Math.ceil((cx + R) / (2 * SS)) + 1);
    const y0 = Math.max(0, Math.floor((cy - R) / (2 * SS)) - 1);
    const y1 = Math.min(height - 1, Math.ceil((cy + R) / (2 * SS)) + 1);
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        let cov = 0;
        for (let sy = 0; sy < SS; sy++) {
          const dy = 2 * (y * SS + sy) + 1 - cy;
          for (let sx = 0; sx < SS; sx++) if (inside(o.shape, 2 * (x * SS + sx) + 1 - cx, dy, R)) cov++;
        }
        if (cov === 0) continue;
        const p = 4 * (y * width + x);
        const k = SS * SS;
        // Integer blend with rounding: (bg·(k−c) + fg·c + k/2) / k.
        out[p] = (out[p] * (k - cov) + fr * cov + k / 2) >> 4;
        out[p + 1] = (out[p + 1] * (k - cov) + fg * cov + k / 2) >> 4;
        out[p + 2] = (out[p + 2] * (k - cov) + fb * cov + k / 2) >> 4;
      }
    }
  }
  return out;
}
