import { execFileSync } from 'node:child_process';

/**
 * The words a POSIX shell makes of a command line a CLI printed for pasting,
 * found by asking a real shell (globbing off). For tests, on our own output only.
 */
export function shellWords(commandLine: string): string[] {
  const output = execFileSync('sh', ['-c', `set -f; printf '%s\\0' ${commandLine}`], { encoding: 'utf8' });
  return output.split('\0').slice(0, -1);
}
