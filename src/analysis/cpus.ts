/**
 * How many worker threads a sweep gets by default: the CPUs the scheduler
 * gave this process, not the machine's cores. On a cluster node with 64
 * cores a Slurm task that asked for 4 CPUs, or a container limited to 2,
 * would otherwise start 64 simulators that fight over its few CPUs.
 *
 * In order:
 *   1. SLURM_CPUS_PER_TASK (set by sbatch/srun when --cpus-per-task is given);
 *   2. the cgroup v2 CPU limit of this process (cpu.max "quota period" of its
 *      cgroup and every parent: the smallest, rounded up), as Kubernetes and
 *      Docker set it for a container's CPU limit;
 *   3. the machine's cores (os.availableParallelism, which already honours
 *      the CPU affinity mask, e.g. Slurm's task/affinity).
 * Never more than the cores, never less than 1.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

export interface CpuSource {
  jobs: number;
  /** Where the number came from, for messages: "SLURM_CPUS_PER_TASK", "cgroup cpu.max", "cores". */
  from: string;
}

export interface CpuProbe {
  env?: NodeJS.ProcessEnv;
  /** Root of the cgroup v2 file system (default /sys/fs/cgroup). */
  cgroupRoot?: string;
  /** Contents of /proc/self/cgroup (default: read it). */
  procCgroup?: string;
  cores?: number;
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** CPUs allowed by cgroup v2 cpu.max along this process's cgroup path (null: no limit, or not cgroup v2). */
export function cgroupCpuLimit(probe: CpuProbe = {}): number | null {
  const root = probe.cgroupRoot ?? '/sys/fs/cgroup';
  const self = probe.procCgroup ?? readText('/proc/self/cgroup');
  if (self === null) return null;
  // cgroup v2: a single line "0::/path"
  const line = self.split('\n').find((l) => l.startsWith('0::'));
  if (line === undefined) return null;
  const parts = line.slice(3).trim().split('/').filter((p) => p !== '' && p !== '..');
  let best: number | null = null;
  for (let i = parts.length; i >= 0; i--) {
    const text = readText(join(root, ...parts.slice(0, i), 'cpu.max'));
    if (text === null) continue;
    const [quota, period] = text.trim().split(/\s+/);
    if (quota === undefined || quota === 'max') continue;
    const q = Number(quota);
    const p = Number(period ?? 100000);
    if (!(q > 0) || !(p > 0)) continue;
    const cpus = Math.max(1, Math.ceil(q / p));
    best = best === null ? cpus : Math.min(best, cpus);
  }
  return best;
}

/** The default --jobs and where it came from (see the header). */
export function allocatedCpus(probe: CpuProbe = {}): CpuSource {
  const env = probe.env ?? process.env;
  const cores = probe.cores ?? availableParallelism();
  const slurm = env.SLURM_CPUS_PER_TASK;
  if (slurm !== undefined && /^\d+$/.test(slurm.trim()) && Number(slurm) >= 1) {
    return { jobs: Math.min(Number(slurm), cores), from: 'SLURM_CPUS_PER_TASK' };
  }
  const limit = cgroupCpuLimit(probe);
  if (limit !== null && limit < cores) return { jobs: limit, from: 'cgroup cpu.max' };
  return { jobs: cores, from: 'cores' };
}
