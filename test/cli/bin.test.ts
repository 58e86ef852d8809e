/**
 * The README's `npx cclab ...` commands run the package's own bin
 * (package.json "bin": dist/cli/main.js) as an executable, so the build
 * (which writes dist/ afresh) must leave it executable with its shebang.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { bin: Record<string, string>; version: string };

describe('the cclab executable', () => {
  it('is the built CLI, executable, and runs as npx runs it', () => {
    const bin = pkg.bin.cclab!;
    expect(statSync(bin).mode & 0o111).not.toBe(0);
    expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(execFileSync(`./${bin}`, ['--version'], { encoding: 'utf8' }).trim()).toBe(pkg.version);
  });
});
