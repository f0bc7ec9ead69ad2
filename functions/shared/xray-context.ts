import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The context store of the X-Ray SDK (inside the Powertools tracer), on
 * AsyncLocalStorage: the bundles take this module in place of
 * `cls-hooked/context` (lib/service-function.ts, SERVICE_BUNDLING).
 *
 * Why: the X-Ray SDK creates its cls-hooked namespace when it is loaded,
 * whether tracing is on and the request sampled or not, and cls-hooked then
 * runs async_hooks (init, before, after, destroy) for every promise and
 * callback of the process: 0.8 ms of CPU per transfer, a sixth of it on
 * Node 24 (`npm run bench:coldstart`, README "Cold start and the bundle").
 * AsyncLocalStorage carries the same context without those hooks.
 *
 * What the SDK uses of cls-hooked, all kept here:
 * - in Lambda, one process-wide context, entered when the SDK loads
 *   (`enter`), where getSegment/setSegment read and write the current
 *   segment: the tracer's `## <route>` subsegment (functions/shared/observability.ts);
 * - `run` and `bind` for a child context that follows its callbacks and
 *   promises (captureAsyncFunc, captureFunc, the HTTP and promise patchers).
 *
 * The sources (tests, `npm start`) keep cls-hooked; test/unit/xray-context.test.ts
 * runs the X-Ray SDK on this module, and test/infra/bundle-tracing.test.ts
 * the deployed bundle with sampled and unsampled traces.
 */

type Context = Record<PropertyKey, unknown>;

export class Namespace {
  /** The context entered outside any `run`: in Lambda, the one the SDK enters at load. */
  private entered: Context | null = null;
  private readonly storage = new AsyncLocalStorage<Context>();

  constructor(readonly name: string) {}

  /** The current context: the innermost `run` or `bind`, else the entered one. */
  get active(): Context | null {
    return this.storage.getStore() ?? this.entered;
  }

  set<T>(key: PropertyKey, value: T): T {
    const context = this.active;
    if (context === null) throw new Error('No context available. ns.run() or ns.bind() must be called first.');
    context[key] = value;
    return value;
  }

  get(key: PropertyKey): unknown {
    return this.active?.[key];
  }

  /** A child of the current context: it reads the parent's values, and what it sets stays its own. */
  createContext(): Context {
    return Object.create(this.active ?? Object.prototype) as Context;
  }

  run(fn: (context: Context) => void): Context {
    const context = this.createContext();
    this.storage.run(context, fn, context);
    return context;
  }

  runAndReturn<T>(fn: (context: Context) => T): T {
    const context = this.createContext();
    return this.storage.run(context, fn, context);
  }

  runPromise<T>(fn: (context: Context) => Promise<T>): Promise<T> {
    return this.runAndReturn(fn);
  }

  bind<A extends unknown[], R>(fn: (...args: A) => R, context: Context = this.active ?? this.createContext()): (...args: A) => R {
    const storage = this.storage;
    return function bound(this: unknown, ...args: A): R {
      return storage.run(context, () => fn.apply(this, args));
    };
  }

  enter(context: Context): void {
    this.entered = context;
  }

  exit(context: Context): void {
    if (this.entered === context) this.entered = null;
  }
}

/** The namespaces by name, on `process.namespaces` as cls-hooked keeps them. */
const namespaces: Record<string, Namespace | undefined> = Object.create(null) as Record<string, Namespace | undefined>;
(process as NodeJS.Process & { namespaces?: typeof namespaces }).namespaces = namespaces;

export function getNamespace(name: string): Namespace | undefined {
  return namespaces[name];
}

export function createNamespace(name: string): Namespace {
  const namespace = new Namespace(name);
  namespaces[name] = namespace;
  return namespace;
}

export function destroyNamespace(name: string): void {
  delete namespaces[name];
}

export function reset(): void {
  for (const name of Object.keys(namespaces)) delete namespaces[name];
}
