/**
 * An exclusive lock on a folder cclab writes for a long time (a sweep):
 * the file `.cclab.lock`, created with O_EXCL, holding who has it:
 *
 *   {"schema": "cclab.lock/1", "host": "lab1", "pid": 4242, "startTicks": 81234,
 *    "startedAt": "2025-...", "command": "cclab sweep grid.yaml", "shard": null, "token": "..."}
 *
 * A second cclab on the same folder is refused with one line naming the
 * holder. A lock left by a dead process on this host (its pid is gone, or
 * now belongs to a process that started later: startTicks from
 * /proc/<pid>/stat) is taken over; one from another host is never taken
 * over automatically, since its process cannot be checked from here.
 *
 * `shard` is null when the lock covers the whole folder. The shards of one
 * sweep (`cclab sweep --shard i/N`), running on several hosts over a shared
 * folder, each hold a lock of their own, `.cclab.lock.<i>-of-<N>` (same
 * format, `shard` set), and write disjoint points: two runs of the same
 * shard are refused, a shard is refused while a whole-folder sweep runs and
 * a whole-folder sweep while a shard runs. (The two checks between kinds are
 * not atomic; they guard against mistakes, not against a race by design.)
 * The host is the node name of io.ts (CCLAB_NODE_NAME or the host name).
 */
import { closeSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { InputError } from '../scenario/errors.js';
import { addCleanup } from './cleanup.js';
import { ioError, nodeName } from './io.js';

export const LOCK_FILE = '.cclab.lock';
export const LOCK_SCHEMA = 'cclab.lock/1';
/** A lock file that cannot be read and is older than this was left half-written by a killed process. */
const UNREADABLE_STALE_MS = 10_000;

export interface LockHolder {
  schema: typeof LOCK_SCHEMA;
  host: string;
  pid: number;
  /** Start time of the process in clock ticks since boot (field 22 of /proc/<pid>/stat), null when unknown. */
  startTicks: number | null;
  startedAt: string;
  command: string;
  shard: string | null;
  token: string;
}

/** Start time of a process in clock ticks since boot, or null. */
export function processStartTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may contain spaces and parentheses: fields after the last ')'
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const v = Number(rest[19]);
    return Number.isFinite(v) ? v : null;
  } catch {
    return null;
  }
}

/** Whether the process `pid` exists (EPERM: it exists, owned by someone else). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the holder of a lock on this host is gone (its pid is free, or reused by a later process). */
function holderGone(h: LockHolder): boolean {
  if (!pidAlive(h.pid)) return true;
  if (h.startTicks === null) return false;
  const now = processStartTicks(h.pid);
  return now !== null && now !== h.startTicks;
}

function readHolder(file: string): LockHolder | null {
  try {
    const h = JSON.parse(readFileSync(file, 'utf8')) as LockHolder;
    return h && h.schema === LOCK_SCHEMA && typeof h.host === 'string' && Number.isInteger(h.pid) ? h : null;
  } catch {
    return null;
  }
}

function ageMs(file: string): number {
  try {
    return Date.now() - statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

function inUse(dir: string, h: LockHolder, file: string, here: string): InputError {
  return new InputError(
    `${dir}: in use by another cclab (pid ${h.pid} on ${h.host} since ${h.startedAt}: ${h.command}); wait for it to finish${h.host === here ? '' : `, or remove ${file} if that process is gone`}`,
  );
}

/** Whether a lock file is held by a process that may still run (not a stale one of this host). */
function heldBy(file: string, here: string): LockHolder | null {
  const h = readHolder(file);
  if (h === null) return null;
  return h.host === here && holderGone(h) ? null : h;
}

export interface LockOptions {
  /** Lock one shard ("3-of-16") instead of the whole folder. */
  shard?: string | null;
  /** A whole-folder lock that does not mind running shards (`--collect` only reads their points). */
  allowShards?: boolean;
}

/**
 * Take the lock on `dir` or throw InputError naming its holder. Returns
 * the release function (also run on SIGINT/SIGTERM through cleanup.ts).
 */
export function acquireLock(dir: string, command: string, opts: LockOptions = {}): () => void {
  const shard = opts.shard ?? null;
  const file = join(dir, shard === null ? LOCK_FILE : `${LOCK_FILE}.${shard}`);
  const me: LockHolder = {
    schema: LOCK_SCHEMA,
    host: nodeName(),
    pid: process.pid,
    startTicks: processStartTicks(process.pid),
    startedAt: new Date().toISOString(),
    command,
    shard,
    token: randomBytes(8).toString('hex'),
  };
  // the other kind of lock: a shard waits for a whole-folder sweep, and the other way round
  if (shard !== null) {
    const whole = join(dir, LOCK_FILE);
    const h = heldBy(whole, me.host);
    if (h !== null) throw inUse(dir, h, whole, me.host);
  } else if (!opts.allowShards) {
    let names: string[] = [];
    try {
      names = readdirSync(dir).filter((n) => n.startsWith(`${LOCK_FILE}.`) && /-of-\d+$/.test(n));
    } catch {
      /* no folder yet */
    }
    for (const n of names.sort()) {
      const h = heldBy(join(dir, n), me.host);
      if (h !== null) throw inUse(dir, h, join(dir, n), me.host);
    }
  }
  for (let attempt = 0; attempt < 10; attempt++) {
    let fd: number;
    try {
      fd = openSync(file, 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError(e, file);
      const h = readHolder(file);
      const stale = h === null ? ageMs(file) > UNREADABLE_STALE_MS : h.host === me.host && holderGone(h);
      if (!stale) {
        if (h === null) throw new InputError(`${dir}: locked by another cclab (${file} is being written); try again, or remove it if no cclab is running`);
        throw inUse(dir, h, file, me.host);
      }
      // take a stale lock over: move it aside under a name of our own (only one taker succeeds), then retry
      const aside = `${file}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
      try {
        renameSync(file, aside);
        rmSync(aside, { force: true });
      } catch {
        /* someone else took it over first */
      }
      continue;
    }
    try {
      writeSync(fd, `${JSON.stringify(me, null, 2)}\n`);
    } catch (e) {
      closeSync(fd);
      rmSync(file, { force: true });
      throw ioError(e, file);
    }
    closeSync(fd);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      removeCleanup();
      if (readHolder(file)?.token === me.token) rmSync(file, { force: true });
    };
    const removeCleanup = addCleanup(release);
    return release;
  }
  throw new InputError(`${dir}: cannot take the lock ${file} (it keeps changing hands); try again`);
}
