/**
 * Download rate over a sliding window, and the ETA it gives.
 *
 *   const m = new RateMeter(3000); m.sample(tMs, bytes); m.rate() → bytes/s; m.eta(total) → s | null
 * The window keeps the last `windowMs` of samples (plus the one just before it), so a stall
 * shows as a falling rate within seconds instead of being averaged away since the start.
 */
export class RateMeter {
  private samples: { t: number; bytes: number }[] = [];

  constructor(private readonly windowMs = 3000) {}

  sample(t: number, bytes: number): void {
    this.samples.push({ t, bytes });
    while (this.samples.length > 2 && this.samples[1].t < t - this.windowMs) this.samples.shift();
  }

  /** Bytes per second; 0 until two samples span some time. */
  rate(): number {
    const s = this.samples;
    if (s.length < 2) return 0;
    const a = s[0], b = s[s.length - 1];
    return b.t > a.t ? ((b.bytes - a.bytes) * 1000) / (b.t - a.t) : 0;
  }

  /** Seconds left to reach `total`; null while the rate is unknown. */
  eta(total: number): number | null {
    const r = this.rate();
    const last = this.samples[this.samples.length - 1];
    if (!last) return null;
    if (last.bytes >= total) return 0;
    return r > 0 ? (total - last.bytes) / r : null;
  }
}
