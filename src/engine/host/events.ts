// Event batching for the worker protocol: events are queued and posted together at most
// every `intervalMs` (250 ms → ≤ 4 messages per second), so a fast training loop cannot
// flood the UI thread. Every train-metrics event is kept (metrics.jsonl needs each step);
// progress events of the same task, and download snapshots (each holds every file), are
// coalesced to the latest one.
// Trap: call flush() before posting a reply, so a request's events precede its result.
import type { EngineEvent } from '../../protocol/messages.ts';

export class EventBatcher {
  private queue: EngineEvent[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastPost = -Infinity;

  constructor(
    private readonly post: (events: EngineEvent[]) => void,
    private readonly intervalMs = 250,
    private readonly now: () => number = () => performance.now(),
  ) {}

  emit(e: EngineEvent): void {
    if (e.type === 'progress' || e.type === 'download') {
      const i = this.queue.findIndex((q) => (q.type === 'progress' && e.type === 'progress' && q.task === e.task) || (q.type === 'download' && e.type === 'download'));
      if (i >= 0) this.queue.splice(i, 1);
    }
    this.queue.push(e);
    if (this.timer !== null) return;
    const wait = Math.max(0, this.lastPost + this.intervalMs - this.now());
    this.timer = setTimeout(() => this.flush(), wait);
  }

  /** Posts everything queued now (no-op when empty). */
  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.queue.length === 0) return;
    const events = this.queue;
    this.queue = [];
    this.lastPost = this.now();
    this.post(events);
  }
}
