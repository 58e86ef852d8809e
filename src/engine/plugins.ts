/**
 * Plugins: modules named in CCLAB_PLUGINS (colon-separated paths or file
 * URLs) are imported before cclab does anything else, in the CLI and in
 * every sweep worker thread. A plugin extends a registry from the outside,
 * e.g. `registerCc(spec)` from cc/index.js for a congestion control of its
 * own (docs/architecture.md), without a change to cclab.
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export const PLUGINS_ENV = 'CCLAB_PLUGINS';

export class PluginError extends Error {}

let loaded: Promise<void> | null = null;

/** Import every plugin once (later calls wait for the first). */
export function loadPlugins(spec = process.env[PLUGINS_ENV]): Promise<void> {
  loaded ??= (async () => {
    for (const entry of (spec ?? '').split(':').map((s) => s.trim()).filter(Boolean)) {
      const url = entry.startsWith('file:') ? entry : pathToFileURL(isAbsolute(entry) ? entry : resolve(entry)).href;
      try {
        await import(url);
      } catch (e) {
        throw new PluginError(`${PLUGINS_ENV}: cannot load ${entry}: ${(e as Error).message.split('\n')[0]}`);
      }
    }
  })();
  return loaded;
}
