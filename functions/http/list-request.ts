import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { decodeCursor, encodeCursor, type CursorBinding } from '../../domain/cursor';
import { ValidationError } from '../../domain/errors';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, type Page, type PageQuery } from '../../domain/ports';
import { configAtInit, cursorSigningKey } from '../shared/config';
import { principalOf } from './request';
import { jsonResponse } from './responses';

/**
 * Every list route in one mechanism: `limit` and `cursor` parsing, the
 * optional since/until window, the signed cursor bound to caller, route,
 * path and filters, and the `{items, nextCursor}` envelope. A list handler
 * only says which filters it takes, how to load a page and how to show an
 * item.
 */

const DEFAULT_LIMIT = DEFAULT_PAGE_LIMIT;
const MAX_LIMIT = MAX_PAGE_LIMIT;

export interface ListSpec<T> {
  /** The route, e.g. "GET /accounts/{accountId}/entries": part of the cursor binding. */
  readonly route: string;
  /** Query parameters besides limit and cursor. `since`/`until` are the createdAt window. */
  readonly filters: readonly string[];
  /**
   * Checks that the list is the caller's (a 404 otherwise) before the cursor
   * is looked at: what is not yours is a 404, whatever the cursor.
   */
  authorize?(request: Omit<ListRequest, 'page'>): Promise<void>;
  /** Loads one page for the caller. */
  load(request: ListRequest): Promise<Page<T>>;
  view(item: T): unknown;
}

export interface ListRequest {
  readonly principal: string;
  readonly event: APIGatewayProxyEvent;
  /** The filter values given, validated where this module knows the filter (since/until). */
  readonly filters: Readonly<Record<string, string | undefined>>;
  readonly page: PageQuery;
}

/**
 * For a list function's module scope (Lambda's init): a bad setting or a
 * missing cursor key fails the init, naming the setting, rather than every
 * request with a 500.
 */
export function initListFunction(): void {
  configAtInit();
  try {
    cursorSigningKey();
  } catch (error) {
    console.error(`Refusing to start: ${error instanceof Error ? error.message : String(error)}`);
    throw error;
  }
}

export async function listRoute<T>(spec: ListSpec<T>, event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const principal = principalOf(event);
  const query = queryParameters(event, ['limit', 'cursor', ...spec.filters]);
  const limit = parseLimit(query.limit);
  const since = spec.filters.includes('since') ? parseInstant('since', query.since) : undefined;
  const until = spec.filters.includes('until') ? parseInstant('until', query.until) : undefined;
  if (since !== undefined && until !== undefined && since >= until) {
    throw new ValidationError('until', 'until must be later than since.');
  }
  const filters = Object.fromEntries(spec.filters.map((name) => [name, query[name]]));
  const binding: CursorBinding = {
    principal,
    list: spec.route,
    // The path parameters and filters select the items; limit may change between pages.
    filters: { ...prefixed('path.', event.pathParameters ?? {}), ...prefixed('query.', filters) },
  };
  await spec.authorize?.({ principal, event, filters });
  const key = cursorSigningKey();
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, binding, key);
  const page = await spec.load({
    principal,
    event,
    filters,
    page: {
      limit,
      ...(after === undefined ? {} : { after }),
      ...(since === undefined ? {} : { since }),
      ...(until === undefined ? {} : { until }),
    },
  });
  return jsonResponse(200, {
    items: page.items.map((item) => spec.view(item)),
    nextCursor: page.nextPosition === null ? null : encodeCursor(page.nextPosition, binding, key),
  });
}

/**
 * The query string as single values. An unknown parameter or a repeated one
 * is a 400: a typo such as `limt` must not silently return another list.
 */
function queryParameters(event: APIGatewayProxyEvent, allowed: readonly string[]): Record<string, string | undefined> {
  const single = event.queryStringParameters ?? {};
  const multi = event.multiValueQueryStringParameters ?? {};
  const values: Record<string, string | undefined> = {};
  for (const name of new Set([...Object.keys(single), ...Object.keys(multi)])) {
    if (!allowed.includes(name)) {
      throw new ValidationError(printable(name), `Unknown query parameter "${printable(name)}"; this list takes ${allowed.join(', ')}.`);
    }
    const given = multi[name] ?? (single[name] === undefined ? [] : [single[name] as string]);
    if (given.length > 1) throw new ValidationError(name, `The query parameter ${name} may appear once.`);
    values[name] = given[0];
  }
  return values;
}

const LIMIT = /^[1-9][0-9]{0,2}$/;

export function parseLimit(value: string | undefined): number {
  if (value === undefined) return DEFAULT_LIMIT;
  const limit = LIMIT.test(value) ? Number(value) : NaN;
  if (!(limit >= 1 && limit <= MAX_LIMIT)) {
    throw new ValidationError('limit', `limit must be an integer from 1 to ${MAX_LIMIT} (default ${DEFAULT_LIMIT}).`);
  }
  return limit;
}

// RFC 3339 date-time: full date, "T", time with optional fraction, and Z or an offset.
const RFC_3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-](\d{2}):(\d{2}))$/;

/**
 * An RFC 3339 instant, as the fixed-width UTC form createdAt is stored in.
 * Entries are timed to the millisecond; a finer instant is rounded up,
 * which keeps since inclusive and until exclusive for every entry.
 */
export function parseInstant(field: 'since' | 'until', value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const parts = RFC_3339.exec(value);
  const invalid = () => new ValidationError(field, `${field} must be an RFC 3339 date-time, such as 2026-01-31T00:00:00Z.`);
  if (parts === null) throw invalid();
  const [year, month, day, hour, minute, second] = parts.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const [offsetHours, offsetMinutes] = [Number(parts[9] ?? 0), Number(parts[10] ?? 0)];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 60 || offsetHours > 23 || offsetMinutes > 59) {
    throw invalid();
  }
  const fraction = parts[7] ?? '';
  const wholeMs = Date.parse(`${value.slice(0, 19).replace('t', 'T')}${(parts[8] ?? 'Z').toUpperCase()}`);
  if (Number.isNaN(wholeMs)) throw invalid();
  // Integer arithmetic on the fraction's digits: no floats near a timestamp.
  const digits = fraction.slice(1).padEnd(9, '0');
  const nanos = Number(digits);
  const ms = wholeMs + Math.ceil(nanos / 1_000_000);
  const instant = new Date(ms);
  if (instant.getUTCFullYear() > 9999 || instant.getUTCFullYear() < 0) throw invalid();
  return instant.toISOString();
}

function prefixed(prefix: string, values: Readonly<Record<string, string | undefined>>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [`${prefix}${name}`, value]));
}

function printable(name: string): string {
  return [...name].slice(0, 64).join('').replace(/[\p{Cc}\p{Cs}]/gu, '\uFFFD');
}
