import type { Node } from 'constructs';

/** How often the stack runs the reconciler: an EventBridge schedule expression. */
export interface ReconcileScheduleSettings {
  readonly schedule: string;
}

export const RECONCILE_DEFAULTS = { schedule: 'rate(1 day)' } as const;

/** A run may take the function's whole timeout; a schedule more frequent than that would overlap runs. */
const SHORTEST_INTERVAL_MINUTES = 15;

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const CRON = /^cron\(([^ ]+) ([^ ]+) ([^ ]+) ([^ ]+) ([^ ]+) ([^ ]+)\)$/;
const CRON_FIELD = /^[0-9A-Za-z*?,/#-]+$/;

/**
 * Reads `-c reconcileSchedule='rate(6 hours)'` or a cron expression
 * (`-c reconcileSchedule='cron(0 3 * * ? *)'`, UTC). A bad value fails the
 * synth, not the deploy: EventBridge's own rules (singular unit for 1, `?`
 * in exactly one of day-of-month and day-of-week) and no interval shorter
 * than the reconciler's 15-minute timeout.
 */
export function readReconcileSchedule(node: Node): ReconcileScheduleSettings {
  const value: unknown = node.tryGetContext('reconcileSchedule');
  if (value === undefined || value === '') return { schedule: RECONCILE_DEFAULTS.schedule };
  const problem = typeof value === 'string' ? scheduleProblem(value) : 'it is not a string';
  if (problem !== undefined) {
    throw new Error(
      `Context reconcileSchedule must be an EventBridge schedule expression such as "rate(6 hours)" or "cron(0 3 * * ? *)": ` +
        `${problem}; got ${JSON.stringify(value)}.`,
    );
  }
  return { schedule: value as string };
}

function scheduleProblem(expression: string): string | undefined {
  const rate = RATE.exec(expression);
  if (rate !== null) {
    const amount = Number(rate[1]);
    const unit = rate[2] as string;
    if (amount < 1) return 'the rate must be at least 1';
    if ((amount === 1) !== !unit.endsWith('s')) return 'the unit is singular for 1 and plural otherwise';
    const minutes = amount * (unit.startsWith('minute') ? 1 : unit.startsWith('hour') ? 60 : 24 * 60);
    if (minutes < SHORTEST_INTERVAL_MINUTES) return `runs must be at least ${SHORTEST_INTERVAL_MINUTES} minutes apart`;
    return undefined;
  }
  const cron = CRON.exec(expression);
  if (cron === null) return 'it is neither rate(...) nor cron(...) with six fields';
  const [minutes, , dayOfMonth, , dayOfWeek] = cron.slice(1) as [string, string, string, string, string, string];
  if (!cron.slice(1).every((field) => CRON_FIELD.test(field))) return 'a cron field holds a character EventBridge does not accept';
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) return 'exactly one of day-of-month and day-of-week must be "?"';
  // What the minutes field alone shows: every minute, or a step under 15.
  const step = /^(?:\*|\d+)\/(\d+)$/.exec(minutes);
  if (minutes === '*' || minutes.includes('-') || (step !== null && Number(step[1]) < SHORTEST_INTERVAL_MINUTES)) {
    return `runs must be at least ${SHORTEST_INTERVAL_MINUTES} minutes apart`;
  }
  return undefined;
}
