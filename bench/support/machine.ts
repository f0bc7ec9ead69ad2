import { readdirSync, readFileSync } from 'node:fs';
import * as os from 'node:os';

/**
 * How much of the machine other processes took while a batch ran: the
 * machine's busy CPU time (/proc/stat) minus that of this bench's process
 * tree (this process, the load client, DynamoDB Local; /proc/<pid>/stat),
 * over the batch's wall time on every core.
 *
 * Why: the handler spends about twice the floor's CPU per request, so when
 * other processes take the cores, the handler loses more throughput than the
 * floor does. Pairing cancels noise that hits both sides alike, not this:
 * the throughput ratio itself depends on how busy the machine is. The bench
 * shows it, and the throughput verdicts use only the pairs that had the
 * machine (nearly) to themselves.
 *
 * Linux only; elsewhere `read` answers undefined and nothing is filtered.
 */
export interface MachineMeter {
  /** Cumulative CPU ms: the machine's busy time, all cores, and the bench's process tree's. */
  read(): { readonly busyMs: number; readonly benchMs: number } | undefined;
  /** Finds the bench's child processes again (call once they are all started). */
  refresh(): void;
  readonly cores: number;
}

/** Linux reports /proc times in USER_HZ, 100 per second on every architecture Node runs on. */
const MS_PER_TICK = 10;

export function machineMeter(): MachineMeter {
  let tree: number[] = [process.pid];
  const available = readText('/proc/stat') !== undefined;
  const processTicks = (pid: number): number => {
    const fields = statFields(pid);
    // utime and stime: fields 14 and 15 of /proc/<pid>/stat, 12 and 13 after the command's closing parenthesis.
    return fields === undefined ? 0 : Number(fields[11]) + Number(fields[12]);
  };
  return {
    cores: os.cpus().length,
    refresh() {
      if (!available) return;
      const children = new Map<number, number[]>();
      for (const entry of readdirSync('/proc')) {
        if (!/^\d+$/.test(entry)) continue;
        const parent = Number(statFields(Number(entry))?.[1]);
        if (Number.isFinite(parent)) children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
      }
      const found: number[] = [];
      const visit = (pid: number) => {
        found.push(pid);
        for (const child of children.get(pid) ?? []) visit(child);
      };
      visit(process.pid);
      tree = found;
    },
    read() {
      const line = available ? readText('/proc/stat')?.split('\n')[0] : undefined;
      if (line === undefined) return undefined;
      // cpu user nice system idle iowait irq softirq steal ...: busy is all but idle and iowait.
      const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
      const busy = [user, nice, system, irq, softirq, steal].reduce<number>((sum, value) => sum + (value ?? 0), 0);
      const bench = tree.reduce((sum, pid) => sum + processTicks(pid), 0);
      return { busyMs: busy * MS_PER_TICK, benchMs: bench * MS_PER_TICK };
    },
  };
}

function statFields(pid: number): string[] | undefined {
  const text = readText(`/proc/${pid}/stat`);
  if (text === undefined) return undefined;
  // The command name may hold spaces and parentheses: the fields start after the last ')'.
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
