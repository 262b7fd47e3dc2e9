import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { log } from './measure.js';

/**
 * Builds git `ref` of this repository in a temporary worktree (sharing this checkout's node_modules) for a
 * same-run comparison; returns its root and a clean-up.
 */
export function buildBaseline(root: string, ref: string): { root: string; commit: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-baseline-'));
  const git = (...args: string[]) => execFileSync('git', ['-C', root, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  const commit = git('rev-parse', '--short', ref);
  log(`baseline ${ref} (${commit}): building in ${dir}`);
  git('worktree', 'add', '--detach', dir, ref);
  const remove = () => {
    try {
      git('worktree', 'remove', '--force', dir);
    } catch {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
  try {
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    execFileSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: dir, stdio: 'inherit' });
  } catch (err) {
    remove();
    throw err;
  }
  return { root: dir, commit, remove };
}
