/**
 * The options shared by the commands that can run on either backend
 * (`cclab run`, `cclab sweep`): --backend, --target, --module, --timeout.
 */
import type { Command } from 'commander';
import { InputError } from '../scenario/errors.js';

export interface BackendCliOptions {
  backend: string;
  target: string;
  module: string[];
  timeout?: string;
}

export interface BackendChoice {
  backend: 'sim' | 'kernel';
  target: string;
  modules: string[];
  timeoutS?: number;
}

export function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

/** Declare the backend options on a command. */
export function addBackendOptions(cmd: Command, timeoutHelp: string): Command {
  return cmd
    .option('--backend <backend>', 'sim, or kernel: real Linux TCP with netem and iperf3 (docs/kernel.md)', 'sim')
    .option('--target <target>', "kernel backend: vm (cclab's QEMU test VM), local (this host, as root) or ssh://user@host", 'vm')
    .option('--module <file.ko>', 'kernel backend: a kernel module to load first, e.g. tcp_brutal.ko (repeatable)', collect, [])
    .option('--timeout <seconds>', `kernel backend: ${timeoutHelp}`);
}

/** Check the backend options; one-line errors for bad values. */
export function parseBackendOptions(o: BackendCliOptions): BackendChoice {
  if (o.backend !== 'sim' && o.backend !== 'kernel') throw new InputError(`--backend: unknown backend "${o.backend}"; known: sim, kernel`);
  const timeoutS = o.timeout === undefined ? undefined : Number(o.timeout);
  if (timeoutS !== undefined && !(timeoutS > 0)) throw new InputError(`--timeout: expected a number of seconds above 0, got "${o.timeout}"`);
  return { backend: o.backend, target: o.target, modules: o.module, ...(timeoutS !== undefined ? { timeoutS } : {}) };
}
