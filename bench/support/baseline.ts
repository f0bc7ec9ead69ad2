import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile, mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import { round3, type Spread } from './statistics';

/**
 * A stored profile of the handler's CPU per first-time transfer, made by
 * this bench on an earlier commit, with the floor's CPU of the same run.
 *
 * The machine is shared and noisy, so a later run compares two ways:
 * - raw: handler CPU now / handler CPU then;
 * - floor-normalised: (handler/floor now) / (handler/floor then), each the
 *   median of the per-round paired ratios. The floor is the same raw-SDK
 *   code in both runs (its source hash is stored and checked), so a slower
 *   or faster machine moves both sides of each ratio alike.
 * The verdict uses the floor-normalised comparison.
 */

export const ROOT = path.resolve(__dirname, '../..');
/** The files whose code is the floor: if they change, the normaliser changed. */
const FLOOR_SOURCES = ['bench/support/floor.ts', 'bench/support/load-client.ts'];
/** The code the profile describes: the handler, what it imports, the packages. */
const SERVICE_SOURCES = ['functions', 'domain', 'adapters', 'lib/definitions.ts', 'package-lock.json'];

export interface CpuAtConcurrency {
  /** Median over rounds of the handler's CPU ms per request. */
  readonly handlerCpuMsPerRequest: number;
  /** Median over rounds of the paired floor batches' CPU ms per request. */
  readonly floorCpuMsPerRequest: number;
  /** Per-round handler CPU / floor CPU of each pair. */
  readonly handlerVsFloorCpu: Spread;
}

export interface StoredProfile {
  readonly description: string;
  /** How the profile was made, to make it again. */
  readonly command: string;
  /** The commit the bench ran from. */
  readonly commit: string;
  /** The commit of main whose service code ran (the merge base with main), and whether the service code differed from it (it must not). */
  readonly serviceCodeAt: string;
  readonly serviceCodeChanged: boolean;
  readonly floorSourceSha256: string;
  readonly environment: Readonly<Record<string, unknown>>;
  /** By concurrency, and `all`: every pair of every concurrency pooled. */
  readonly cpu: Readonly<Record<string, CpuAtConcurrency>>;
}

export interface ProfileComparison {
  readonly profile: string;
  readonly commit: string;
  readonly method: string;
  /** The floor's code differs from the profile's: the normalised figure compares against another normaliser. */
  readonly floorChanged: boolean;
  readonly byConcurrency: Readonly<Record<string, CpuAgainstProfile>>;
}

export interface CpuAgainstProfile {
  readonly handlerCpuThen: number;
  readonly handlerCpuNow: number;
  readonly rawRatio: number;
  /** (handler/floor now) / (handler/floor then), medians, with the interval of the two intervals' extremes (conservative). */
  readonly floorNormalised: { readonly median: number; readonly ciLow: number; readonly ciHigh: number; readonly ciLevel: number };
}

export function floorSourceSha256(): string {
  const hash = createHash('sha256');
  for (const file of FLOOR_SOURCES) hash.update(readFileSync(path.join(ROOT, file)));
  return hash.digest('hex');
}

export async function writeProfile(file: string, cpu: Record<string, CpuAtConcurrency>, environment: Record<string, unknown>): Promise<void> {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
  const commit = git('rev-parse', 'HEAD');
  let serviceCodeAt = commit;
  try {
    serviceCodeAt = git('merge-base', 'HEAD', 'main');
  } catch {
    // No main branch here: the commit itself.
  }
  const profile: StoredProfile = {
    description: `The transfer handler of main at ${serviceCodeAt.slice(0, 7)}: CPU ms per first-time transfer and the floor's CPU of the same run, paired rounds of npm run bench.`,
    command: `BENCH_WRITE_PROFILE=${path.relative(ROOT, file)} npm run bench`,
    commit,
    serviceCodeAt,
    // Working tree against that commit, committed or not.
    serviceCodeChanged: git('diff', '--stat', serviceCodeAt, '--', ...SERVICE_SOURCES) !== '',
    floorSourceSha256: floorSourceSha256(),
    environment,
    cpu,
  };
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(profile, null, 2)}\n`);
}

export function readProfile(file: string): StoredProfile | undefined {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as StoredProfile) : undefined;
}

export function compareWithProfile(profile: StoredProfile, file: string, now: Record<string, CpuAtConcurrency>): ProfileComparison {
  const byConcurrency: Record<string, CpuAgainstProfile> = {};
  for (const [concurrency, current] of Object.entries(now)) {
    const then = profile.cpu[concurrency];
    if (then === undefined) continue;
    const [ratioNow, ratioThen] = [current.handlerVsFloorCpu, then.handlerVsFloorCpu];
    byConcurrency[concurrency] = {
      handlerCpuThen: then.handlerCpuMsPerRequest,
      handlerCpuNow: current.handlerCpuMsPerRequest,
      rawRatio: round3(current.handlerCpuMsPerRequest / then.handlerCpuMsPerRequest),
      floorNormalised: {
        median: round3(ratioNow.median / ratioThen.median),
        ciLow: round3(ratioNow.ciLow / ratioThen.ciHigh),
        ciHigh: round3(ratioNow.ciHigh / ratioThen.ciLow),
        ciLevel: round3(ratioNow.ciLevel * ratioThen.ciLevel),
      },
    };
  }
  return {
    profile: path.relative(ROOT, file),
    commit: profile.serviceCodeAt,
    method: 'floor-normalised: (handler/floor CPU now, median of paired rounds) / (the same in the stored profile); raw: handler CPU now / then',
    floorChanged: profile.floorSourceSha256 !== floorSourceSha256(),
    byConcurrency,
  };
}
