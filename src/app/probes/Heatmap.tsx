// The image with the summary token's attention drawn as a grid×grid heat map over it
// (image token j ↔ row ⌊j/grid⌋, column j % grid of the pixel-shuffled token grid).
// Cell alpha ∝ weight / max weight, so the most-attended cell is the most opaque.
import { useEffect, useRef } from 'react';

export function Heatmap({ url, weights, grid, size = 256 }: { url: string; weights: Float32Array | null; grid: number; size?: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    if (!canvas) return;
    const ctx = canvas.getContext('2d')!;
    canvas.dataset.drawn = 'pending';
    const img = new Image();
    let live = true;
    img.onload = () => {
      if (!live) return;
      ctx.imageSmoothingEnabled = false;
      ctx.clearRect(0, 0, size, size);
      ctx.drawImage(img, 0, 0, size, size);
      if (!weights) return;
      const max = Math.max(...weights) || 1;
      const cell = size / grid;
      weights.forEach((w, j) => {
        ctx.fillStyle = `rgba(255, 40, 0, ${(0.65 * w) / max})`;
        ctx.fillRect((j % grid) * cell, Math.floor(j / grid) * cell, cell, cell);
      });
      ctx.strokeStyle = 'rgba(255,255,255,0.5)';
      for (let i = 1; i < grid; i++) {
        ctx.beginPath();
        ctx.moveTo(i * cell, 0);
        ctx.lineTo(i * cell, size);
        ctx.moveTo(0, i * cell);
        ctx.lineTo(size, i * cell);
        ctx.stroke();
      }
      canvas.dataset.drawn = weights ? 'heat' : 'image';
    };
    img.src = url;
    return () => {
      live = false;
    };
  }, [url, weights, grid, size]);
  // data-weights: the drawn weights, for tests and for reading exact values off the page.
  return <canvas ref={ref} width={size} height={size} data-testid="heatmap" data-grid={grid} data-weights={weights ? Array.from(weights, (w) => w.toFixed(4)).join(' ') : ''} />;
}
