/**
 * What a congestion control tells the rest of cclab about itself.
 *
 * Each algorithm's file ends with its CcSpec (as a Linux module ends with
 * its tcp_congestion_ops), and cc/index.ts registers it by name. Everything
 * outside the stack reads the spec, never the algorithm: the scenario
 * language takes `cc: <name>` and the parameter block `<name>: {...}` from
 * `params`; resolve stores the block's values in the resolved flow under the
 * CC's name; the sweep plan and --set (scenario/cc-switch.ts) drop a block
 * when its flow's CC changes; charts take the label, colour, marker and dash; the kernel
 * harness takes the shim's environment. The stack itself
 * only ever sees the CongestionOps that `create` returns.
 */
import type { CongestionOps } from '../tcp/types.js';

/**
 * A parameter's kind, written as tc and iperf3 write it: rate (`50mbit`,
 * bits/s), time (`25ms`, ns), size (`64kb`, bytes), percent (`1%`,
 * fraction), or a plain integer, number or boolean.
 */
export type ParamKind = 'rate' | 'time' | 'size' | 'percent' | 'int' | 'number' | 'bool';

/** The value of a parameter in base units (bits/s, ns, bytes, fraction), or a boolean. */
export type ParamValue = number | boolean;

export interface ParamSpec {
  kind: ParamKind;
  /** Default, as a user would write it (`'1mbit'`, `20`, `true`). */
  default: string | number | boolean;
  /** Smallest and largest allowed value, written the same way. */
  min?: string | number;
  max?: string | number;
  /** What the value means, for error messages and docs (e.g. `tenths: 20 = 2.0x`). */
  help?: string;
  /** A further check on the value in base units: an error message, or null. */
  check?: (v: number) => string | null;
}

/** Chart point styles (Chart.js names), so that CCs differ in print and for colour-blind readers too. */
export type Marker = 'circle' | 'triangle' | 'rect' | 'rectRot' | 'star' | 'crossRot' | 'cross' | 'rectRounded';

export interface CcSpec<R extends object = object> {
  /** Name in scenarios and Linux's tcp_congestion_ops name (`net.ipv4.tcp_congestion_control`). */
  name: string;
  /** Name in charts and tables, e.g. `BBR`. */
  label: string;
  /** One line: what it is and where it comes from. */
  doc: string;
  color: string;
  marker: Marker;
  /** Line dash pattern (Chart.js borderDash); empty for solid. */
  dash: number[];
  /**
   * The parameter block `flows[i].<name>: {...}`, if the CC has one. Its
   * values, in base units, become the resolved flow's `<name>` field, through
   * `resolveParams` when given.
   */
  params?: Record<string, ParamSpec>;
  resolveParams?: (p: Record<string, ParamValue>) => R;
  /** The CC's ops for one flow; `params` is the resolved block (undefined when the CC has none). */
  create: (params: R | undefined) => CongestionOps;
  /**
   * 'required': the CC needs ECN (TCP_CONG_NEEDS_ECN, e.g. DCTCP): its flows
   * are ECN-capable by default and may not turn it off.
   */
  ecn?: 'required';
  /** Paces its flows (SK_PACING_NEEDED): costs more events per packet to simulate. */
  paced: boolean;
  /**
   * What the kernel harness needs beyond the name (a plan loads a missing
   * CC with `modprobe tcp_<name>`, as Linux's in-tree modules are named).
   */
  kernel?: {
    /**
     * The name the Linux module registers (tcp_congestion_ops.name, and
     * module tcp_<linuxName>) when it differs from cclab's: BBRv3's module
     * registers as "bbr".
     */
    linuxName?: string;
    /**
     * The module's MODULE_VERSION that the run needs (/sys/module/tcp_<linuxName>/version,
     * and the version field of ss's bbr:(...) info): "3" for BBRv3.
     */
    moduleVersion?: string;
    /** One line for a target whose kernel lacks that version. */
    missingHint?: string;
    /** NAME=value words for the LD_PRELOAD shim (kernel/shim), from the resolved block. */
    shimEnv?: (params: R) => string[];
    /**
     * Parameters of the module itself (/sys/module/tcp_<name>/parameters/),
     * from the resolved block: they apply to every connection of the
     * machine, so all flows of that CC in a scenario must agree.
     */
    moduleParams?: (params: R) => Record<string, number>;
  };
}

/** A spec of any parameter type, as the registry holds them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCcSpec = CcSpec<any>;
