/**
 * `cclab sweep --emit`: the Slurm scripts and the Kubernetes Indexed Job.
 * Kubernetes cannot run here, so its manifest is checked against
 * @kubernetes/client-node's V1Job model (a round trip through its
 * serializer keeps only the fields V1Job has, with their types) and a
 * snapshot; the Dockerfile's build steps are replayed on a copy of the
 * sources and must give the simulator fingerprint sweep.json pins.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { dumpYaml, loadYaml, type V1Job } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { simulatorFingerprint } from '../../src/analysis/fingerprint.js';
import { IMAGE_APP } from '../../src/analysis/k8s.js';
import { ROOT, cclab, tempDir, writeScenario } from './cli.js';

const GRID = `
name: grid
duration: 2s
seeds: 2
link: { rate: 10mbit, rtt: 20ms }
flows:
  - cc: reno
sweep:
  link.loss: [0, 1%]
  link.rtt: [20ms, 40ms]
`;

/** The manifest as client-node's V1Job model sees it: what it does not know is dropped. */
function throughV1Job(text: string): unknown {
  return YAML.parse(dumpYaml(loadYaml<V1Job>(text))) as unknown;
}

describe('cclab sweep --emit slurm', () => {
  it('writes the array script with the options, the collect script, and prints the two sbatch commands', () => {
    const tmp = tempDir('emit-slurm');
    const file = writeScenario(tmp, 'grid', GRID);
    const out = join(tmp, 'out');
    const r = cclab(['sweep', file, '--out', out, '--emit', 'slurm', '--shards', '4', '--parallel', '2', '--cpus-per-task', '2', '--partition', 'short', '--time', '0-01:30:00', '--mem', '4G', '--sbatch', '--account=netlab', '--set', 'seeds=2']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const shards = readFileSync(join(out, 'slurm', 'shards.sbatch'), 'utf8');
    expect(shards.split('\n').filter((l) => l.startsWith('#SBATCH'))).toEqual([
      '#SBATCH --job-name=cclab-grid',
      '#SBATCH --array=0-3%2',
      '#SBATCH --cpus-per-task=2',
      `#SBATCH --output=${out}/slurm/logs/shard-%a.out`,
      '#SBATCH --partition=short',
      '#SBATCH --time=0-01:30:00',
      '#SBATCH --mem=4G',
      '#SBATCH --account=netlab',
    ]);
    expect(shards.startsWith('#!/bin/bash\n')).toBe(true);
    expect(shards).toContain(`sweep ${file} --set seeds=2 --out ${out} --shard "\${SLURM_ARRAY_TASK_ID}/4"\n`);
    expect(statSync(join(out, 'slurm', 'shards.sbatch')).mode & 0o111).not.toBe(0);
    const collect = readFileSync(join(out, 'slurm', 'collect.sbatch'), 'utf8');
    expect(collect).toContain(`sweep ${file} --set seeds=2 --out ${out} --collect\n`);
    expect(collect).not.toContain('--array');
    expect(r.stdout).toContain(`jid=$(sbatch --parsable ${out}/slurm/shards.sbatch)\n  sbatch --dependency=afterany:$jid ${out}/slurm/collect.sbatch`);
    // the scripts are valid bash
    for (const f of ['shards.sbatch', 'collect.sbatch']) expect(spawnSync('bash', ['-n', join(out, 'slurm', f)]).status).toBe(0);
  });

  it('refuses bad scheduler options and meaningless combinations with one line each', () => {
    const tmp = tempDir('emit-bad');
    const file = writeScenario(tmp, 'grid', GRID);
    const cases: [string[], RegExp][] = [
      [['--emit', 'pbs'], /^cclab: --emit: expected slurm or k8s, got "pbs"$/],
      [['--emit', 'slurm', '--time', 'soon'], /^cclab: --time: expected a Slurm time limit/],
      [['--emit', 'slurm', '--mem', '4GB'], /^cclab: --mem: expected a size as sbatch writes it/],
      [['--emit', 'slurm', '--sbatch', 'account=x'], /^cclab: --sbatch: expected one sbatch option/],
      [['--emit', 'slurm', '--shards', '9'], /^cclab: --shards: at most the number of points \(8\), got 9$/],
      [['--emit', 'k8s', '--submit'], /^cclab: --submit: only with --emit slurm/],
      [['--emit', 'k8s', '--claim', 'Bad_Claim'], /^cclab: --claim: expected a PersistentVolumeClaim name/],
      [['--partition', 'x'], /^cclab: --partition: only with --emit slurm or --emit k8s$/],
      [['--shard', '0/2', '--collect'], /^cclab: --collect: not with --shard/],
    ];
    for (const [args, re] of cases) {
      const r = cclab(['sweep', file, '--out', join(tmp, 'o'), ...args]);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.trim(), args.join(' ')).toMatch(re);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
  });
});

describe('cclab sweep --emit k8s', () => {
  const tmp = tempDir('emit-k8s');
  const file = writeScenario(tmp, 'grid', GRID);
  const out = join(tmp, 'out');
  const r = cclab(['sweep', file, '--out', out, '--emit', 'k8s', '--shards', '4', '--parallel', '2', '--cpus-per-task', '2', '--mem', '2Gi', '--image', 'registry.example/cclab:0.1.0', '--claim', 'lab-results']);

  it('writes an Indexed Job that V1Job describes completely, and matches its snapshot', async () => {
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const text = readFileSync(join(out, 'k8s', 'job.yaml'), 'utf8');
    const parsed = YAML.parse(text) as unknown;
    // every field is one V1Job has, of its type (the serializer keeps nothing else)
    expect(throughV1Job(text)).toEqual(parsed);
    const job = loadYaml<V1Job>(text);
    expect(job.spec?.completionMode).toBe('Indexed');
    expect(job.spec?.completions).toBe(4);
    expect(job.spec?.parallelism).toBe(2);
    expect(job.spec?.backoffLimitPerIndex).toBe(1);
    const pod = job.spec!.template.spec!;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.volumes).toEqual([{ name: 'results', persistentVolumeClaim: { claimName: 'lab-results' } }]);
    const c = pod.containers[0]!;
    expect(c.args?.slice(-2)).toEqual(['--shard', '$(JOB_COMPLETION_INDEX)/4']);
    expect(c.env?.find((e) => e.name === 'JOB_COMPLETION_INDEX')?.valueFrom?.fieldRef?.fieldPath).toBe("metadata.annotations['batch.kubernetes.io/job-completion-index']");
    expect(c.resources?.limits).toEqual({ cpu: '2', memory: '2Gi' });
    await expect(text).toMatchFileSnapshot('__snapshots__/k8s-job.yaml');

    const collect = readFileSync(join(out, 'k8s', 'collect-job.yaml'), 'utf8');
    expect(throughV1Job(collect)).toEqual(YAML.parse(collect));
    expect(loadYaml<V1Job>(collect).spec?.template.spec?.containers[0]?.args?.at(-1)).toBe('--collect');
    await expect(collect).toMatchFileSnapshot('__snapshots__/k8s-collect-job.yaml');
  });

  it('the V1Job check catches a field Kubernetes does not have', () => {
    const text = readFileSync(join(out, 'k8s', 'job.yaml'), 'utf8').replace('completionMode: Indexed', 'completionMod: Indexed');
    expect(throughV1Job(text)).not.toEqual(YAML.parse(text));
  });

  it('the pods read a scenario with the same plan as the sweep folder', () => {
    const k = cclab(['sweep', join(out, 'k8s', 'grid.yaml'), '--out', out, '--shard', '3/4']);
    expect(k.stderr).not.toMatch(/cclab:/);
    expect(k.status).toBe(0);
    expect(k.stdout).toMatch(/^shard 3\/4 of grid: 2 of 8 points; ran 2/);
  });

  it("the Dockerfile's build steps give the dist/ whose fingerprint sweep.json pins", () => {
    const docker = readFileSync(join(out, 'k8s', 'Dockerfile'), 'utf8');
    const pinned = (JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8')) as { simulator: string }).simulator;
    expect(docker).toContain(`ARG CCLAB_SIMULATOR=${pinned}\n`);
    expect(docker).toMatch(new RegExp(`^FROM node:${process.versions.node.split('.')[0]}-bookworm-slim$`, 'm'));
    {
      // replay it: COPY from the cclab tree into a fresh "image" folder, RUN there (npm ci replaced by the installed node_modules)
      const app = join(tempDir('image'), 'opt-cclab');
      mkdirSync(app);
      let arg: Record<string, string> = {};
      for (const line of docker.split('\n')) {
        const copy = /^COPY (.+) (\S+)$/.exec(line);
        if (copy) {
          const srcs = copy[1]!.split(' ');
          for (const s of srcs) cpSync(join(ROOT, s), srcs.length > 1 || copy[2] === './' ? join(app, s) : join(app, copy[2]!), { recursive: true });
          continue;
        }
        const a = /^ARG (\w+)=(.*)$/.exec(line);
        if (a) arg = { ...arg, [a[1]!]: a[2]! };
        const run = /^RUN (.*)$/.exec(line);
        if (!run) continue;
        if (run[1]!.startsWith('npm ci')) {
          symlinkSync(join(ROOT, 'node_modules'), join(app, 'node_modules'));
          continue;
        }
        const cmd = run[1]!.replaceAll(IMAGE_APP, app);
        const res = spawnSync('sh', ['-c', cmd], { cwd: app, encoding: 'utf8', env: { ...process.env, ...arg } });
        expect(res.status, `${cmd}\n${res.stderr}`).toBe(0);
      }
      expect(simulatorFingerprint(join(app, 'dist'))).toBe(pinned);
      // and the check in the Dockerfile fails an image of another build
      const check = /^RUN (node --input-type=module .*)$/m.exec(docker)![1]!.replaceAll(IMAGE_APP, app);
      const bad = spawnSync('sh', ['-c', check], { encoding: 'utf8', env: { ...process.env, CCLAB_SIMULATOR: 'feedfacecafe' } });
      expect(bad.status).toBe(1);
      expect(bad.stderr).toContain(`cclab: this image builds simulator ${pinned}, the sweep pins feedfacecafe`);
    }
  }, 180_000);
});
