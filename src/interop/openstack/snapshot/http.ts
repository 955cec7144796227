/**
 * JSON over HTTP with a timeout per attempt and retries with exponential backoff for the
 * answers that mean "try again" (429, 502, 503, 504) and for network errors.
 */
export interface HttpOptions {
  /** Per attempt, milliseconds. */
  timeoutMs: number;
  /** Attempts after the first. */
  retries: number;
  /** First backoff, doubled each retry; a Retry-After header wins (up to 60 s). */
  backoffMs: number;
  /** Told about each retry (for stderr). */
  onRetry?: (message: string) => void;
}

export const DEFAULT_HTTP: HttpOptions = { timeoutMs: 60_000, retries: 4, backoffMs: 1000 };

/** A request that failed for good: the method, URL, status and the service's own message. */
export class RemoteError extends Error {
  constructor(readonly method: string, readonly url: string, readonly status: number | undefined, detail: string) {
    super(`${method} ${url}: ${status !== undefined ? `${status} ` : ''}${detail}`);
    this.name = 'RemoteError';
  }
}

export interface HttpResponse { status: number; headers: Headers; body: unknown }

const RETRY = new Set([429, 502, 503, 504]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The message inside an OpenStack error body ({"itemNotFound": {"message": ...}}, {"errors": [...]}, {"error": {...}}). */
export function errorDetail(body: unknown, fallback: string): string {
  if (typeof body === 'object' && body !== null) {
    const values = Object.values(body as Record<string, unknown>);
    for (const v of values.flatMap((x) => (Array.isArray(x) ? x : [x]))) {
      if (typeof v === 'object' && v !== null) {
        const o = v as Record<string, unknown>;
        const m = o['message'] ?? o['detail'] ?? o['title'];
        if (typeof m === 'string') return m.trim();
      }
    }
  }
  return fallback;
}

async function attempt(method: string, url: string, headers: Record<string, string>, body: string | undefined, o: HttpOptions): Promise<HttpResponse> {
  const res = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(o.timeoutMs) });
  const text = await res.text();
  let parsed: unknown = undefined;
  if (text) {
    try { parsed = JSON.parse(text); } catch { parsed = text; }
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

export async function requestJson(method: string, url: string, headers: Record<string, string>, body: unknown, o: HttpOptions): Promise<HttpResponse> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const all = { Accept: 'application/json', ...(payload ? { 'Content-Type': 'application/json' } : {}), ...headers };
  for (let i = 0; ; i++) {
    let why: string;
    let wait = o.backoffMs * 2 ** i;
    try {
      const res = await attempt(method, url, all, payload, o);
      if (!RETRY.has(res.status)) return res;
      why = `${res.status} ${errorDetail(res.body, 'service unavailable')}`;
      const after = Number(res.headers.get('retry-after'));
      if (Number.isFinite(after) && after > 0) wait = Math.min(after * 1000, 60_000);
      if (i >= o.retries) throw new RemoteError(method, url, res.status, `${errorDetail(res.body, 'service unavailable')} (gave up after ${i + 1} attempts)`);
    } catch (e) {
      if (e instanceof RemoteError) throw e;
      const err = e as Error;
      why = err.name === 'TimeoutError' ? `no answer within ${o.timeoutMs / 1000} s` : `${err.message}${(err.cause as Error | undefined)?.message ? ` (${(err.cause as Error).message})` : ''}`;
      if (i >= o.retries) throw new RemoteError(method, url, undefined, `${why} (gave up after ${i + 1} attempts)`);
    }
    o.onRetry?.(`${method} ${url}: ${why}; retrying in ${(wait / 1000).toFixed(1)} s`);
    await sleep(wait);
  }
}
