import type { Clock } from '../../client/backoff';
import type { Transport, TransportRequest } from '../../client/transfer-client';

/**
 * A scripted fake of the API for the client and its CLI, and a clock that
 * moves only when the client sleeps: no network, no real waiting.
 */

/** What POST /idempotency-keys answers unless the script says otherwise. */
export const KEY = 'idk_AAAAAAAAAAAAAAAAAAAAAAAA';

export type Step =
  | { readonly status: number; readonly body?: unknown; readonly headers?: Record<string, string> }
  | { readonly networkError: string }
  | { readonly hang: true };

export interface SentRequest extends Omit<TransportRequest, 'signal'> {
  readonly url: string;
}

/** Answers POST /idempotency-keys with KEY, and every other call from the script, in order. */
export function fakeTransport(script: Step[], keySteps: Step[] = []) {
  const sent: SentRequest[] = [];
  const transport: Transport = async (url, init) => {
    sent.push({ url, method: init.method, headers: init.headers, ...(init.body === undefined ? {} : { body: init.body }) });
    const queue = url.endsWith('/idempotency-keys') ? keySteps : script;
    const step = queue.shift() ?? (url.endsWith('/idempotency-keys') ? { status: 201, body: { key: KEY } } : { status: 599 });
    if ('networkError' in step) throw Object.assign(new TypeError('fetch failed'), { cause: { code: step.networkError } });
    if ('hang' in step) {
      return new Promise((_, reject) => init.signal.addEventListener('abort', () => reject(new Error('aborted'))));
    }
    return {
      status: step.status,
      headers: new Headers(step.headers ?? {}),
      text: async () => (step.body === undefined ? '' : JSON.stringify(step.body)),
    };
  };
  const transfers = () => sent.filter((request) => request.url.endsWith('/transfers'));
  return { transport, sent, transfers };
}

/** Time moves only when the client sleeps. */
export function fakeClock(random = 0.5): Clock & { sleeps: number[] } {
  let now = Date.parse('2026-03-01T12:00:00Z');
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    random: () => random,
    sleeps,
  };
}

