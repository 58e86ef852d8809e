import { readFileSync } from 'node:fs';

/** cclab's version, from package.json. */
export const CCLAB_VERSION: string = (() => {
  try {
    return JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version as string;
  } catch {
    return '0.0.0';
  }
})();
