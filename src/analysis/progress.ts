/**
 * Sweep progress: a cli-progress bar (points done, ETA, failures) when stderr
 * is a terminal; plain periodic lines otherwise (CI logs, files).
 */
import cliProgress from 'cli-progress';

export interface Progress {
  /** Called once: `total` points in the plan, `skipped` of them already done. */
  start(total: number, skipped: number): void;
  /** One point finished. */
  tick(failed: boolean): void;
  /** All done (or interrupted): restore the terminal. */
  stop(): void;
}

export interface ProgressOptions {
  stream?: NodeJS.WriteStream;
  /** Force the bar (true) or plain lines (false); default: whether the stream is a TTY. */
  tty?: boolean;
  /** Seconds between plain lines (default 5). */
  intervalS?: number;
  label?: string;
}

function fmtSeconds(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '?';
  if (s < 60) return `${Math.round(s)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.round(s - m * 60)).padStart(2, '0')}s`;
}

/** A progress reporter that prints nothing (library use, tests). */
export const silentProgress: Progress = { start() {}, tick() {}, stop() {} };

export function createProgress(opts: ProgressOptions = {}): Progress {
  const stream = opts.stream ?? process.stderr;
  const tty = opts.tty ?? Boolean(stream.isTTY);
  const label = opts.label ?? 'sweep';
  let total = 0;
  let done = 0;
  let failed = 0;
  let toRun = 0;
  let ran = 0;
  let t0 = 0;

  if (tty) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: `${label} |{bar}| {value}/{total} points | {percentage}% | ETA {eta_formatted} | failures {failures}`,
        hideCursor: true,
        etaBuffer: 20,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
    let running = false;
    return {
      start(n, skipped) {
        total = n;
        done = skipped;
        if (skipped > 0) stream.write(`${label}: ${skipped} of ${n} points already done, skipping them\n`);
        bar.start(n, skipped, { failures: 0 });
        running = true;
      },
      tick(f) {
        done++;
        if (f) failed++;
        bar.update(done, { failures: failed });
      },
      stop() {
        if (running) bar.stop();
        running = false;
      },
    };
  }

  let timer: NodeJS.Timeout | null = null;
  const line = () => {
    const elapsed = (performance.now() - t0) / 1000;
    const eta = ran > 0 ? (elapsed / ran) * (toRun - ran) : Number.NaN;
    const pct = total > 0 ? Math.floor((done / total) * 100) : 100;
    stream.write(`${label}: ${done}/${total} points (${pct}%), ${failed} failed, elapsed ${fmtSeconds(elapsed)}, ETA ${fmtSeconds(eta)}\n`);
  };
  return {
    start(n, skipped) {
      total = n;
      done = skipped;
      toRun = n - skipped;
      t0 = performance.now();
      stream.write(`${label}: ${n} points, ${skipped} already done, ${toRun} to run\n`);
      if (toRun > 0) {
        timer = setInterval(line, (opts.intervalS ?? 5) * 1000);
        timer.unref();
      }
    },
    tick(f) {
      done++;
      ran++;
      if (f) failed++;
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
      if (toRun > 0) line();
    },
  };
}
