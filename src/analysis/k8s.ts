/**
 * The Kubernetes Indexed Job of a sharded sweep (`cclab sweep --emit k8s`):
 *
 *   <out>/k8s/job.yaml          batch/v1 Job, completionMode Indexed,
 *                               completions N, parallelism P,
 *                               backoffLimitPerIndex: a failed index is retried
 *                               on its own; pod i runs shard
 *                               $(JOB_COMPLETION_INDEX)/N into the sweep folder
 *                               on a PersistentVolumeClaim
 *   <out>/k8s/collect-job.yaml  a one-pod Job running --collect (Kubernetes has no
 *                               dependencies between Jobs: apply it when the
 *                               indexed Job has finished)
 *   <out>/k8s/<name>.yaml       the scenario as the pods read it (--set applied)
 *   <out>/k8s/Dockerfile        the cclab image: the same sources built the same
 *                               way, checked against the fingerprint sweep.json pins
 *
 * The claim is mounted at /results and the sweep folder is /results/<name>:
 * copy <out> there before applying the Job. The manifest's shape is checked
 * against @kubernetes/client-node's V1Job (a type-only import: nothing of it
 * runs).
 */
import type { V1Job, V1Container } from '@kubernetes/client-node';
import YAML from 'yaml';
import { InputError } from '../scenario/errors.js';

export const K8S_DIR = 'k8s';
export const K8S_JOB_FILE = 'job.yaml';
export const K8S_COLLECT_FILE = 'collect-job.yaml';
export const K8S_DOCKERFILE = 'Dockerfile';
/** Where the pods mount the volume claim. */
export const K8S_MOUNT = '/results';
/** Where the image has cclab. */
export const IMAGE_APP = '/opt/cclab';

export interface K8sOptions {
  image: string;
  /** PersistentVolumeClaim holding the sweep folders (ReadWriteMany). */
  claim: string;
  /** Pods running at once. */
  parallel: number;
  /** CPUs per pod (request = limit: cclab's --jobs follows the container's cpu.max). */
  cpusPerTask: number;
  /** Memory per pod, as Kubernetes writes it (e.g. 2Gi); default 1Gi per CPU. */
  mem?: string;
  /** Retries of a failed index before it counts as failed. */
  backoffPerIndex: number;
}

export interface K8sJob {
  name: string;
  shards: number;
  /** Arguments after `cclab sweep` for the pods, with paths under K8S_MOUNT. */
  sweepArgs: string[];
}

/** A DNS-1123 name from a sweep name (lower case, digits, "-", at most 63). */
export function k8sName(s: string): string {
  const n = s
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 50)
    .replace(/-+$/g, '');
  return `cclab-${n || 'sweep'}`;
}

export function checkK8sOptions(o: K8sOptions): void {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(o.claim) || o.claim.length > 253) throw new InputError(`--claim: expected a PersistentVolumeClaim name (lower case letters, digits, -), got "${o.claim}"`);
  if (!/^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/.test(o.image)) throw new InputError(`--image: expected a container image reference such as registry.example/cclab:0.1.0, got "${o.image}"`);
  if (o.mem !== undefined && !/^\d+(Ki|Mi|Gi|Ti|K|M|G|T)?$/.test(o.mem)) throw new InputError(`--mem: expected a Kubernetes memory quantity (e.g. 2Gi, 512Mi), got "${o.mem}"`);
}

function container(job: K8sJob, o: K8sOptions, args: string[], env: V1Container['env']): V1Container {
  const mem = o.mem ?? `${o.cpusPerTask}Gi`;
  return {
    name: 'cclab',
    image: o.image,
    command: ['node', `${IMAGE_APP}/dist/cli/main.js`],
    args,
    ...(env ? { env } : {}),
    resources: {
      requests: { cpu: String(o.cpusPerTask), memory: mem },
      limits: { cpu: String(o.cpusPerTask), memory: mem },
    },
    volumeMounts: [{ name: 'results', mountPath: K8S_MOUNT }],
  };
}

function jobOf(name: string, job: K8sJob, o: K8sOptions, spec: Omit<NonNullable<V1Job['spec']>, 'template'>, c: V1Container): V1Job {
  const labels = { 'app.kubernetes.io/name': 'cclab', 'cclab/sweep': k8sName(job.name).slice('cclab-'.length) };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, labels },
    spec: {
      ...spec,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          containers: [c],
          volumes: [{ name: 'results', persistentVolumeClaim: { claimName: o.claim } }],
        },
      },
    },
  };
}

/** The Indexed Job: pod i runs shard i of N. */
export function indexedJob(job: K8sJob, o: K8sOptions): V1Job {
  const c = container(job, o, ['sweep', ...job.sweepArgs, '--shard', `$(JOB_COMPLETION_INDEX)/${job.shards}`], [
    // the Job controller sets it too; declared here so that $(JOB_COMPLETION_INDEX) in args is expanded
    { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } },
  ]);
  return jobOf(k8sName(job.name), job, o, {
    completionMode: 'Indexed',
    completions: job.shards,
    parallelism: Math.min(o.parallel, job.shards),
    backoffLimitPerIndex: o.backoffPerIndex,
  }, c);
}

/** The collect Job: one pod, run once the indexed Job has finished. */
export function collectJob(job: K8sJob, o: K8sOptions): V1Job {
  const c = container(job, { ...o, cpusPerTask: 1 }, ['sweep', ...job.sweepArgs, '--collect'], undefined);
  return jobOf(`${k8sName(job.name)}-collect`, job, o, { completions: 1, parallelism: 1, backoffLimit: 0 }, c);
}

/** A manifest as YAML, with a header comment. */
export function manifestYaml(j: V1Job, comment: string): string {
  return `# ${comment} (written by cclab sweep --emit k8s)\n${YAML.stringify(j, { lineWidth: 0, aliasDuplicateObjects: false })}`;
}

/**
 * The Dockerfile of the cclab image, built from the cclab source tree: the
 * locked dependencies (npm ci), the same `npm run build` as here, then a
 * check that the simulator's fingerprint equals the one sweep.json pins, so
 * an image that would make other results fails to build.
 */
export function dockerfile(simulator: string, nodeMajor: number): string {
  return [
    '# The cclab image for a sharded sweep (written by cclab sweep --emit k8s).',
    '# Build it from the cclab source tree (the folder with package.json):',
    '#   docker build -f <this file> -t <image> <cclab folder>',
    `FROM node:${nodeMajor}-bookworm-slim`,
    `WORKDIR ${IMAGE_APP}`,
    'COPY package.json package-lock.json ./',
    'RUN npm ci --ignore-scripts --no-audit --no-fund',
    'COPY tsconfig.json ./',
    'COPY src ./src',
    'RUN npm run build',
    `# the simulator this image runs must be the build the sweep pins (sweep.json "simulator")`,
    `ARG CCLAB_SIMULATOR=${simulator}`,
    `RUN node --input-type=module -e "import { simulatorFingerprint } from '${IMAGE_APP}/dist/analysis/fingerprint.js'; const f = simulatorFingerprint('${IMAGE_APP}/dist'); if (f !== process.env.CCLAB_SIMULATOR) { console.error('cclab: this image builds simulator ' + f + ', the sweep pins ' + process.env.CCLAB_SIMULATOR); process.exit(1); }"`,
    `ENTRYPOINT ["node", "${IMAGE_APP}/dist/cli/main.js"]`,
    '',
  ].join('\n');
}
