import cliProgress from 'cli-progress';
import type { JobEvent } from '@euca2nova/model';

export interface EventSource {
  listEvents(jobId: string, afterSeq?: number, limit?: number): Promise<JobEvent[]>;
}

export interface WatchOptions {
  readonly itemsTotal: number;
  readonly bytesTotal: number;
  /** Bars when true; plain lines (one every `lineEveryMs`) otherwise, for logs and pipes. */
  readonly tty: boolean;
  readonly write: (line: string) => void;
  readonly pollMs?: number;
  readonly lineEveryMs?: number;
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u] ?? 'B'}`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${String(s)} s`;
  if (s < 3600) return `${String(Math.floor(s / 60))} min ${String(s % 60)} s`;
  return `${String(Math.floor(s / 3600))} h ${String(Math.floor((s % 3600) / 60))} min`;
}

/** What the events say so far: items, bytes per image, rates of the copies in flight. */
class Tally {
  itemsDone = 0;
  itemsFailed = 0;
  phase = 'starting';
  readonly bytes = new Map<string, { done: number; rate: number; finished: boolean }>();

  apply(e: JobEvent, say: (line: string) => void): void {
    switch (e.type) {
      case 'phase-started':
        this.phase = e.phase;
        say(
          `${e.phase}: started${e.itemsTotal === undefined ? '' : ` (${String(e.itemsTotal)} items)`}`,
        );
        break;
      case 'phase-finished':
        say(`${e.phase}: ${e.outcome} in ${formatDuration(e.durationMs / 1000)}`);
        break;
      case 'item-done': {
        this.itemsDone++;
        if (e.kind === 'image') {
          const b = this.bytes.get(e.sourceId);
          this.bytes.set(e.sourceId, { done: b?.done ?? 0, rate: 0, finished: true });
        }
        break;
      }
      case 'item-failed':
        if (!e.willRetry) this.itemsFailed++;
        say(
          `${e.kind} ${e.sourceId}: ${e.willRetry ? 'failed, retrying' : 'FAILED'}: ${e.error.message}`,
        );
        break;
      case 'bytes-progress':
        this.bytes.set(e.sourceId, {
          done: e.bytesDone,
          rate: e.bytesPerSecond,
          finished: this.bytes.get(e.sourceId)?.finished ?? false,
        });
        break;
      case 'transfer-stalled':
        say(
          `${e.kind} ${e.sourceId}: stalled, no byte for ${String(e.stalledForSeconds)} s at ${formatBytes(e.bytesDone)}`,
        );
        break;
      case 'finding':
        if (e.finding.severity !== 'info') say(`${e.finding.severity}: ${e.finding.message}`);
        break;
      case 'log':
        if (e.level === 'warn' || e.level === 'error') say(`${e.level}: ${e.message}`);
        break;
      case 'job-status-changed':
        say(`job: ${e.to}${e.reason === undefined ? '' : ` (${e.reason})`}`);
        break;
      default:
        break;
    }
  }

  bytesDone(): number {
    let n = 0;
    for (const b of this.bytes.values()) n += b.done;
    return n;
  }

  /** Rate and ETA from bytes, over the copies still running. */
  rate(): number {
    let r = 0;
    for (const b of this.bytes.values()) if (!b.finished) r += b.rate;
    return r;
  }
}

/**
 * Follow a job's events from the state database (so copies done by workers elsewhere show too)
 * and show progress: bars on a terminal, plain lines otherwise.
 */
export function watchJob(
  source: EventSource,
  jobId: string,
  options: WatchOptions,
): { stop(): Promise<void> } {
  const tally = new Tally();
  let lastSeq = 0;
  let stopped = false;
  let lastLine = 0;
  const multibar = options.tty
    ? new cliProgress.MultiBar(
        {
          clearOnComplete: false,
          hideCursor: true,
          format: ' {label} |{bar}| {detail}',
          barsize: 30,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  const itemsBar = multibar?.create(Math.max(1, options.itemsTotal), 0, {
    label: 'items ',
    detail: '',
  });
  const bytesBar = multibar?.create(Math.max(1, options.bytesTotal), 0, {
    label: 'images',
    detail: '',
  });
  const say = (line: string): void => {
    if (multibar !== undefined) multibar.log(`${line}\n`);
    else options.write(`${line}\n`);
  };
  const render = (final: boolean): void => {
    const bytes = tally.bytesDone();
    const rate = tally.rate();
    const eta = rate > 0 ? Math.max(0, options.bytesTotal - bytes) / rate : Infinity;
    const bytesText = `${formatBytes(bytes)} of ${formatBytes(options.bytesTotal)}${rate > 0 ? `, ${formatBytes(rate)}/s, ETA ${formatDuration(eta)}` : ''}`;
    const itemsText = `${String(tally.itemsDone)} of ${String(options.itemsTotal)} items${tally.itemsFailed > 0 ? `, ${String(tally.itemsFailed)} failed` : ''} (${tally.phase})`;
    if (multibar !== undefined) {
      itemsBar?.update(tally.itemsDone, { detail: itemsText });
      bytesBar?.update(Math.min(bytes, options.bytesTotal), { detail: bytesText });
      return;
    }
    const now = Date.now();
    if (final || now - lastLine >= (options.lineEveryMs ?? 5000)) {
      lastLine = now;
      options.write(`progress: ${itemsText}; images ${bytesText}\n`);
    }
  };
  const poll = async (): Promise<void> => {
    for (;;) {
      const events = await source.listEvents(jobId, lastSeq, 1000);
      for (const e of events) tally.apply(e, say);
      if (events.length > 0) lastSeq = events[events.length - 1]?.seq ?? lastSeq;
      if (events.length < 1000) break;
    }
  };
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    running = running
      .then(poll)
      .then(() => {
        render(false);
      })
      .catch(() => undefined);
  }, options.pollMs ?? 300);
  return {
    stop: async () => {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      await running;
      await poll().catch(() => undefined);
      render(true);
      multibar?.stop();
    },
  };
}
