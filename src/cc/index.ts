/**
 * The congestion-control registry: name -> CcSpec (spec.ts). Each algorithm
 * lives in its own file of this folder and ends with its spec; adding one is
 * that file plus one line in BUILT_IN below. Plugins (CCLAB_PLUGINS, see
 * engine/plugins.ts) may register more with registerCc().
 */
import type { CongestionOps } from '../tcp/types.js';
import type { AnyCcSpec } from './spec.js';
import { renoSpec } from './reno.js';
import { cubicSpec } from './cubic.js';
import { bbrSpec } from './bbr/index.js';
import { brutalSpec } from './brutal.js';
import { dctcpSpec } from './dctcp.js';
import { bbr3Spec } from './bbr3/index.js';

export type { AnyCcSpec, CcSpec, ParamSpec, ParamKind, ParamValue, Marker } from './spec.js';

const BUILT_IN: readonly AnyCcSpec[] = [renoSpec, cubicSpec, bbrSpec, brutalSpec, dctcpSpec, bbr3Spec];

const registry = new Map<string, AnyCcSpec>();
let version = 0;

/** Register a congestion control; its name must be new. */
export function registerCc(spec: AnyCcSpec): void {
  if (!/^[a-z][a-z0-9_]*$/.test(spec.name)) throw new Error(`congestion control name "${spec.name}": lower-case letters, digits and _ only`);
  if (registry.has(spec.name)) throw new Error(`congestion control "${spec.name}" is registered twice`);
  registry.set(spec.name, spec);
  version++;
}

for (const s of BUILT_IN) registerCc(s);

/** Names of the registered congestion controls, in registration order. */
export function ccNames(): string[] {
  return [...registry.keys()];
}

/** The spec of a registered CC, or undefined. */
export function ccSpec(name: string): AnyCcSpec | undefined {
  return registry.get(name);
}

/** Changes whenever a CC is registered (lets derived schemas be rebuilt). */
export function ccRegistryVersion(): number {
  return version;
}

/** Names the simulator can run (all registered CCs). */
export function simulatedCcNames(): string[] {
  return ccNames();
}

/** A flow's resolved parameter block: the field named after its CC, if the CC has parameters. */
export function ccParamsOf(flow: { cc: string }): object | undefined {
  return (flow as unknown as Record<string, object | undefined>)[flow.cc];
}

export function createCc(flow: { cc: string }): CongestionOps {
  const spec = registry.get(flow.cc);
  if (!spec) throw new Error(`unknown congestion control "${flow.cc}"`);
  return spec.create(ccParamsOf(flow));
}
