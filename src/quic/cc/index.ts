/**
 * The QUIC congestion-control registry: name -> QuicCcSpec, for flows with
 * `transport: quic`. Separate from the TCP registry (src/cc): a QUIC
 * controller drives a QUIC connection (bytes, packet numbers, quic-go's
 * callbacks), not a TCP socket.
 */
import type { QuicCcSpec } from './types.js';
import { hyBrutalSpec } from './brutal.js';
import { quicGoCubicSpec, quicGoRenoSpec } from './cubic-sender.js';

export type { QuicCcSpec, QuicCongestion, CcPacket, QuicWindows } from './types.js';

const registry = new Map<string, QuicCcSpec>();
for (const s of [hyBrutalSpec, quicGoCubicSpec, quicGoRenoSpec] as QuicCcSpec[]) registry.set(s.name, s);

/** Names a QUIC flow may use as its cc. */
export function quicCcNames(): string[] {
  return [...registry.keys()];
}

export function quicCcSpec(name: string): QuicCcSpec | undefined {
  return registry.get(name);
}
