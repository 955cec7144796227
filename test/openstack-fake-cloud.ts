/**
 * A small stand-in for Keystone, Nova and Placement on 127.0.0.1, answering from a fixture
 * directory with bodies shaped like the API reference's: tokens and a catalogue, version
 * documents, microversion headers, Nova's max_limit pagination with `next` links, limit and
 * offset for server groups. It records every request and can expire tokens or answer 503.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';

/** A Keystone token request (POST /v3/auth/tokens), the only request with a body, as far as the fake reads it. */
export interface AuthRequest {
  auth?: {
    identity?: {
      methods?: string[];
      password?: { user?: { name?: string; password?: string; domain?: unknown } };
      application_credential?: { id?: string; secret?: string };
    };
    scope?: unknown;
  };
}

export interface Seen { method: string; path: string; token?: string; version?: string; novaVersion?: string; body?: AuthRequest }

export interface FakeCloudOptions {
  /** Fixture directory with the bodies to serve. */
  dir: string;
  /** Largest page Nova returns whatever the limit (its max_limit). */
  maxLimit?: number;
  computeMax?: string;
  users?: { name: string; password: string }[];
  applicationCredentials?: { id: string; secret: string }[];
}

export interface FakeCloud {
  url: string;
  seen: Seen[];
  /** Makes every token issued so far invalid. */
  expireTokens(): void;
  /** The next `times` requests whose path starts with `prefix` get 503. */
  unavailable(prefix: string, times: number): void;
  /** Every request whose path starts with `prefix` gets 401, whatever the token. */
  refuse(prefix: string): void;
  /** Requests whose path starts with `prefix` get no answer (until the server closes). */
  stall(prefix: string): void;
  close(): Promise<void>;
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

async function readBody(req: IncomingMessage): Promise<AuthRequest | undefined> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text ? (JSON.parse(text) as AuthRequest) : undefined;
}

export async function fakeCloud(o: FakeCloudOptions): Promise<FakeCloud> {
  const file = (name: string) => JSON.parse(readFileSync(join(o.dir, name), 'utf8'));
  const servers = [...file('servers.json').servers, ...file('servers-2.json').servers];
  const valid = new Set<string>();
  const failures = new Map<string, number>();
  const refused = new Set<string>();
  const stalled = new Set<string>();
  const seen: Seen[] = [];
  let issued = 0;
  let base = '';
  const maxLimit = o.maxLimit ?? 1000;
  const computeMax = o.computeMax ?? '2.95';

  const catalog = () => [
    { type: 'identity', name: 'keystone', endpoints: [{ interface: 'public', region_id: 'RegionOne', region: 'RegionOne', url: `${base}/identity` }] },
    { type: 'compute', name: 'nova', endpoints: [
      { interface: 'internal', region_id: 'RegionOne', region: 'RegionOne', url: `${base}/internal-only/v2.1` },
      { interface: 'public', region_id: 'RegionOne', region: 'RegionOne', url: `${base}/compute/v2.1` }] },
    { type: 'placement', name: 'placement', endpoints: [{ interface: 'public', region_id: 'RegionOne', region: 'RegionOne', url: `${base}/placement` }] },
  ];

  function authenticate(body: AuthRequest | undefined, res: ServerResponse) {
    const id = body?.auth?.identity;
    const ok = id?.methods?.[0] === 'password'
      ? (o.users ?? []).some((u) => u.name === id.password?.user?.name && u.password === id.password?.user?.password && id.password?.user?.domain)
      : id?.methods?.[0] === 'application_credential' && (o.applicationCredentials ?? []).some((a) => a.id === id.application_credential?.id && a.secret === id.application_credential?.secret);
    if (!ok) return json(res, 401, { error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } });
    const token = `gAAAAA-token-${++issued}`;
    valid.add(token);
    json(res, 201, { token: { methods: id?.methods, expires_at: '2026-12-01T00:00:00.000000Z', catalog: catalog(), project: { id: 'p1', name: 'admin', domain: { id: 'default', name: 'Default' } } } }, { 'X-Subject-Token': token });
  }

  /** Nova pages: a full page carries a `next` link with the last id as marker. */
  function page(list: { id: string }[], key: string, url: URL): Record<string, unknown> {
    const limit = Math.min(Number(url.searchParams.get('limit') ?? maxLimit), maxLimit);
    const marker = url.searchParams.get('marker');
    const start = marker ? list.findIndex((x) => x.id === marker) + 1 : 0;
    const items = list.slice(start, start + limit);
    const out: Record<string, unknown> = { [key]: items };
    if (items.length === limit) {
      const next = new URL(url.toString(), base);
      next.searchParams.set('limit', String(limit));
      next.searchParams.set('marker', items[items.length - 1]!.id);
      out[`${key}_links`] = [{ href: `${base}${next.pathname}${next.search}`, rel: 'next' }];
    }
    return out;
  }

  function compute(url: URL, res: ServerResponse) {
    const p = url.pathname.slice('/compute/v2.1'.length);
    const h = { 'OpenStack-API-Version': `compute ${computeMax}`, 'X-OpenStack-Nova-API-Version': computeMax, Vary: 'OpenStack-API-Version' };
    if (p === '/' || p === '') return json(res, 200, { version: { id: 'v2.1', status: 'CURRENT', version: computeMax, min_version: '2.1', updated: '2013-07-23T11:33:21Z', links: [{ href: `${base}/compute/v2.1/`, rel: 'self' }] } });
    if (p === '/os-hypervisors/detail') return json(res, 200, page(file('hypervisors.json').hypervisors, 'hypervisors', url), h);
    if (p === '/servers/detail') return json(res, 200, page(servers, 'servers', url), h);
    if (p === '/os-services') return json(res, 200, file('services.json'), h);
    if (p === '/os-server-groups') {
      const all = file('server_groups.json').server_groups;
      const offset = Number(url.searchParams.get('offset') ?? 0);
      const limit = Math.min(Number(url.searchParams.get('limit') ?? maxLimit), maxLimit);
      return json(res, 200, { server_groups: all.slice(offset, offset + limit) }, h);
    }
    json(res, 404, { itemNotFound: { code: 404, message: `no ${p}` } });
  }

  function placement(url: URL, res: ServerResponse) {
    const p = url.pathname.slice('/placement'.length);
    const h = { 'OpenStack-API-Version': 'placement 1.39' };
    if (p === '/' || p === '') return json(res, 200, { versions: [{ id: 'v1.0', max_version: '1.39', min_version: '1.0', status: 'CURRENT', links: [{ href: '', rel: 'self' }] }] });
    if (p === '/resource_providers') return json(res, 200, file('resource_providers.json'), h);
    const m = /^\/resource_providers\/([0-9a-f-]+)\/(inventories|allocations)$/.exec(p);
    if (m) return json(res, 200, file(join(m[2]!, `${m[1]}.json`)), h);
    json(res, 404, { errors: [{ status: 404, title: 'Not Found', detail: `no ${p}` }] });
  }

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url!, base);
      const body = await readBody(req);
      seen.push({
        method: req.method!, path: url.pathname + url.search, token: req.headers['x-auth-token'] as string | undefined,
        version: req.headers['openstack-api-version'] as string | undefined, novaVersion: req.headers['x-openstack-nova-api-version'] as string | undefined, body,
      });
      if ([...stalled].some((p) => url.pathname.startsWith(p))) return;
      for (const [prefix, n] of failures) {
        if (n > 0 && url.pathname.startsWith(prefix)) { failures.set(prefix, n - 1); return json(res, 503, { error: { message: 'Service Unavailable' } }, { 'Retry-After': '0' }); }
      }
      if (req.method === 'POST' && url.pathname === '/identity/v3/auth/tokens') return authenticate(body, res);
      const token = req.headers['x-auth-token'] as string | undefined;
      if (!token || !valid.has(token) || [...refused].some((r) => url.pathname.startsWith(r))) return json(res, 401, { error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } });
      if (url.pathname.startsWith('/compute/v2.1')) return compute(url, res);
      if (url.pathname.startsWith('/placement')) return placement(url, res);
      json(res, 404, { error: { message: `nothing at ${url.pathname}` } });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base, seen,
    expireTokens: () => valid.clear(),
    unavailable: (prefix, times) => { failures.set(prefix, times); },
    refuse: (prefix) => { refused.add(prefix); },
    stall: (prefix) => { stalled.add(prefix); },
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
