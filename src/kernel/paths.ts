/**
 * Where the kernel harness finds its own assets (kernel/ in the repository)
 * and keeps what it builds (.cache/ in the repository, git-ignored).
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** Repository root: src/kernel/paths.ts and dist/kernel/paths.js both sit two levels down. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** C and shell assets: the LD_PRELOAD shim, guest scripts, the reference module. */
export const KERNEL_ASSETS_DIR = join(REPO_ROOT, 'kernel');

/** Build cache: VM images under vm/, the compiled shim under shim/. */
export const CACHE_DIR = process.env.CCLAB_CACHE_DIR ?? join(REPO_ROOT, '.cache');
