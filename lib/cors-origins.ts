/**
 * The allowed origins of CORS (CORS_ORIGINS, -c corsOrigins), checked. A
 * module of its own that imports nothing, so the settings rules
 * (lib/definitions.ts and its readers) can use it without a cycle.
 *
 * Origins are listed, never `*`. The bearer token is what protects the
 * money: a page elsewhere has none unless it steals one, and a thief can
 * use curl. The list is defence in depth on top: a browser lets only the
 * listed front ends script the API and read its answers (balances,
 * statements), so a token that leaks into another page's reach is not
 * usable from there; and `*` could never be combined with credentials
 * (cookies) should the API ever accept them.
 */

export type CorsOriginsReading = { readonly ok: true; readonly origins: readonly string[] } | { readonly ok: false; readonly reason: string };

/**
 * A comma-separated list of origins, as a browser sends them in `Origin`:
 * `http` or `https`, a host, an optional port, nothing else. They are
 * compared with that header exactly, so each must be written in the form
 * the browser serialises (lower-case host, no default port, no trailing
 * slash); otherwise the reason names the form to write. Empty: no origin.
 */
export function parseCorsOrigins(text: string): CorsOriginsReading {
  const entries = text.split(',').map((entry) => entry.trim());
  if (entries.length === 1 && entries[0] === '') return { ok: true, origins: [] };
  const origins: string[] = [];
  for (const entry of entries) {
    const reason = originProblem(entry);
    if (reason !== undefined) return { ok: false, reason };
    if (!origins.includes(entry)) origins.push(entry);
  }
  return { ok: true, origins };
}

function originProblem(entry: string): string | undefined {
  if (entry === '') return 'an entry of the list is empty.';
  if (entry === '*') {
    return '"*" is refused: the API acts on a bearer token, so list the exact origins of its front ends (https://app.example.com).';
  }
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    return `"${entry}" is not an origin (scheme://host[:port], such as https://app.example.com).`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `"${entry}" is not an http or https origin.`;
  // Origins end up quoted in mapping expressions and templates (lib/gateway-cors.ts): DNS names and IP literals only.
  if (!/^(?:[a-z0-9_-]+\.)*[a-z0-9_-]+$|^\[[0-9a-f:.]+\]$/.test(url.hostname)) return `"${entry}" has a host that is not a DNS name or an IP address.`;
  if (url.origin !== entry) {
    return `"${entry}" is not an origin as a browser sends it: write "${url.origin}" (no path, query, user or trailing slash; lower-case host; no default port).`;
  }
  return undefined;
}
