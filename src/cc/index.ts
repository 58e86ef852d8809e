/**
 * The congestion-control registry: name -> factory. Each algorithm lives in
 * its own file of this folder (reno.ts, cubic.ts, bbr/, brutal.ts).
 */
import type { CongestionOps } from '../tcp/types.js';
import type { ResolvedFlow } from '../scenario/resolve.js';
import type { CcName } from '../scenario/schema.js';
import { createReno } from './reno.js';
import { createBbr } from './bbr/index.js';
import { createBrutal } from './brutal.js';
import { createCubic } from './cubic.js';

export type CcFactory = (flow: ResolvedFlow) => CongestionOps;

const registry: Record<CcName, CcFactory> = {
  reno: () => createReno(),
  bbr: () => createBbr(),
  cubic: (f) => createCubic(f.cubic),
  brutal: (f) => createBrutal(f.brutal),
};

/** Names the simulator can run. */
export function simulatedCcNames(): CcName[] {
  return Object.keys(registry) as CcName[];
}

export function createCc(flow: ResolvedFlow): CongestionOps {
  return registry[flow.cc](flow);
}
