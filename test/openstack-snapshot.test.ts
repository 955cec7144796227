/**
 * `shunt snapshot`: Keystone v3 authentication (password from clouds.yaml, application
 * credential from OS_* variables), catalogue lookup, compute microversion negotiation,
 * pagination, an expired token, a 503 retried; it writes exactly what `import openstack` reads.
 */
import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../src/io/errors.js';
import { importOpenStack } from '../src/interop/openstack/import.js';
import { cloudFromEnv, cloudFromYaml, type CloudConfig } from '../src/interop/openstack/snapshot/config.js';
import { OpenStackClient } from '../src/interop/openstack/snapshot/client.js';
import { RemoteError } from '../src/interop/openstack/snapshot/http.js';
import { snapshot } from '../src/interop/openstack/snapshot/collect.js';
import { fakeCloud, type FakeCloud } from './openstack-fake-cloud.js';

const FIXTURE = join(__dirname, 'fixtures', 'openstack', 'small');
const CLI = join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
const run = promisify(execFile);

let cloud: FakeCloud;
let work: string;

beforeEach(async () => {
  cloud = await fakeCloud({ dir: FIXTURE, maxLimit: 3, users: [{ name: 'admin', password: 'secret' }], applicationCredentials: [{ id: 'ac-1', secret: 's3cret' }] });
  work = mkdtempSync(join(tmpdir(), 'shunt-snap-'));
});
afterEach(async () => { await cloud.close(); rmSync(work, { recursive: true, force: true }); });

function cloudsYaml(extra = ''): string {
  const file = join(work, 'clouds.yaml');
  writeFileSync(file, `clouds:
  lab:
    auth:
      auth_url: ${cloud.url}/identity
      username: admin
      password: secret
      project_name: admin
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne
    interface: public
    identity_api_version: 3
${extra}`);
  return file;
}

const client = (config: CloudConfig, retries = 2) => new OpenStackClient(config, { timeoutMs: 5000, retries, backoffMs: 5 });
const fixtureWithoutTarget = () => {
  const dir = join(work, 'fixture');
  cpSync(FIXTURE, dir, { recursive: true });
  rmSync(join(dir, 'target.json'));
  return importOpenStack(dir).instance;
};

describe('snapshot of a cloud', () => {
  it('authenticates with a password from clouds.yaml, negotiates the compute microversion, pages, and writes what import reads', async () => {
    const config = cloudFromYaml('lab', { OS_CLIENT_CONFIG_FILE: cloudsYaml() });
    const out = join(work, 'snap');
    await snapshot(client(config), out, { pageSize: 2, maxPages: 100 });

    const auth = cloud.seen.filter((s) => s.method === 'POST');
    expect(auth).toHaveLength(1);
    expect(auth[0]!.body?.auth).toEqual({
      identity: { methods: ['password'], password: { user: { name: 'admin', domain: { name: 'Default' }, password: 'secret' } } },
      scope: { project: { name: 'admin', domain: { name: 'Default' } } },
    });
    const compute = cloud.seen.filter((s) => s.path.startsWith('/compute/v2.1/') && s.path !== '/compute/v2.1/');
    expect(compute.length).toBeGreaterThan(0);
    expect(compute.every((s) => s.version === 'compute 2.95' && s.novaVersion === '2.95')).toBe(true);
    expect(cloud.seen.some((s) => s.path.startsWith('/internal-only'))).toBe(false);
    expect(cloud.seen.filter((s) => s.path.startsWith('/compute/v2.1/servers/detail')).map((s) => s.path)).toEqual([
      '/compute/v2.1/servers/detail?all_tenants=1&limit=2',
      '/compute/v2.1/servers/detail?all_tenants=1&limit=2&marker=c3000000-0000-4000-8000-000000000002',
      '/compute/v2.1/servers/detail?all_tenants=1&limit=2&marker=c3000000-0000-4000-8000-000000000004',
      '/compute/v2.1/servers/detail?all_tenants=1&limit=2&marker=c3000000-0000-4000-8000-000000000006',
    ]);
    expect(cloud.seen.filter((s) => s.path.startsWith('/placement/resource')).every((s) => s.version === 'placement 1.39')).toBe(true);
    expect(readdirSync(out).sort()).toEqual(['allocations', 'hypervisors.json', 'inventories', 'resource_providers.json', 'server_groups.json',
      'servers-2.json', 'servers-3.json', 'servers-4.json', 'servers.json', 'services.json']);
    // Hypervisors came in pages of Nova's max_limit (3) and are merged into one file.
    expect(importOpenStack(out).instance).toEqual(fixtureWithoutTarget());
  });

  it('authenticates with an application credential from OS_* variables', async () => {
    const config = cloudFromEnv({ OS_AUTH_URL: `${cloud.url}/identity/v3`, OS_AUTH_TYPE: 'v3applicationcredential', OS_APPLICATION_CREDENTIAL_ID: 'ac-1', OS_APPLICATION_CREDENTIAL_SECRET: 's3cret', OS_INTERFACE: 'public' });
    await snapshot(client(config), join(work, 'snap'), { pageSize: 10, maxPages: 100 });
    expect(cloud.seen.find((s) => s.method === 'POST')!.body?.auth).toEqual({ identity: { methods: ['application_credential'], application_credential: { id: 'ac-1', secret: 's3cret' } } });
    expect(importOpenStack(join(work, 'snap')).instance).toEqual(fixtureWithoutTarget());
  });

  it('authenticates again once when the token has expired', async () => {
    const c = client(cloudFromYaml('lab', { OS_CLIENT_CONFIG_FILE: cloudsYaml() }));
    await c.connect();
    await c.negotiate('compute');
    cloud.expireTokens();
    const body = await c.get('compute', '/os-services?binary=nova-compute') as { services: unknown[] };
    expect(body.services).toHaveLength(3);
    expect(cloud.seen.filter((s) => s.method === 'POST')).toHaveLength(2);
    expect(cloud.seen.at(-1)!.token).toBe('gAAAAA-token-2');
  });

  it('authenticates once for all the requests in flight that find the token expired', async () => {
    const c = client(cloudFromYaml('lab', { OS_CLIENT_CONFIG_FILE: cloudsYaml() }));
    await c.connect();
    await c.negotiate('placement');
    cloud.expireTokens();
    const providers = ['1', '2', '3'].map((n) => `/resource_providers/a1000000-0000-4000-8000-00000000000${n}/inventories`);
    const bodies = await Promise.all(providers.map((p) => c.get('placement', p)));
    expect(bodies.every((b) => typeof b === 'object' && b !== null && 'inventories' in b)).toBe(true);
    expect(cloud.seen.filter((s) => s.method === 'POST')).toHaveLength(2);
  });

  it('stops when a fresh token is refused too, naming the request', async () => {
    const c = client(cloudFromYaml('lab', { OS_CLIENT_CONFIG_FILE: cloudsYaml() }));
    await c.connect();
    cloud.refuse('/compute/v2.1/os-services');
    await expect(c.get('compute', '/os-services')).rejects.toThrow(`GET ${cloud.url}/compute/v2.1/os-services: 401 The request you have made requires authentication.`);
    expect(cloud.seen.filter((s) => s.method === 'POST')).toHaveLength(2);
  });

  it('retries a 503 and gives up after its retries with the URL and status', async () => {
    const config = cloudFromYaml('lab', { OS_CLIENT_CONFIG_FILE: cloudsYaml() });
    cloud.unavailable('/compute/v2.1/servers/detail', 2);
    await snapshot(client(config, 2), join(work, 'snap'), { pageSize: 2, maxPages: 100 });
    expect(cloud.seen.filter((s) => s.path === '/compute/v2.1/servers/detail?all_tenants=1&limit=2')).toHaveLength(3);
    expect(importOpenStack(join(work, 'snap')).instance).toEqual(fixtureWithoutTarget());

    cloud.unavailable('/compute/v2.1/os-services', 5);
    const err = await snapshot(client(config, 1), join(work, 'snap2'), { pageSize: 2, maxPages: 100 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteError);
    expect((err as Error).message).toBe(`GET ${cloud.url}/compute/v2.1/os-services?binary=nova-compute: 503 Service Unavailable (gave up after 2 attempts)`);
    expect(existsSync(join(work, 'snap2'))).toBe(false);
  });

  it('gives up on a request that gets no answer within the timeout, after its retries', async () => {
    const c = new OpenStackClient(cloudFromYaml('lab', { OS_CLIENT_CONFIG_FILE: cloudsYaml() }), { timeoutMs: 150, retries: 1, backoffMs: 5 });
    await c.connect();
    cloud.stall('/compute/v2.1/os-services');
    await expect(c.get('compute', '/os-services')).rejects.toThrow(`GET ${cloud.url}/compute/v2.1/os-services: no answer within 0.15 s (gave up after 2 attempts)`);
  });

  it('refuses a compute API older than 2.53', async () => {
    await cloud.close();
    cloud = await fakeCloud({ dir: FIXTURE, computeMax: '2.40', users: [{ name: 'admin', password: 'secret' }] });
    const err = await snapshot(client(cloudFromYaml('lab', { OS_CLIENT_CONFIG_FILE: cloudsYaml() })), join(work, 'snap'), { pageSize: 2, maxPages: 100 }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/compute API goes up to 2\.40; shunt needs 2\.53 or later$/);
  });

  it('reports rejected credentials and bad configuration as input errors naming the setting', async () => {
    const wrong = cloudFromEnv({ OS_AUTH_URL: `${cloud.url}/identity`, OS_USERNAME: 'admin', OS_PASSWORD: 'nope', OS_PROJECT_NAME: 'admin', OS_USER_DOMAIN_NAME: 'Default' });
    await expect(snapshot(client(wrong), join(work, 'snap'), { pageSize: 2, maxPages: 100 })).rejects.toThrow(/Keystone \(.*\/identity\/v3\/auth\/tokens\) rejected the credentials: The request you have made requires authentication\./);
    const issue = (f: () => unknown) => { try { f(); } catch (e) { return (e as InputError).issues[0]; } return undefined; };
    expect(issue(() => cloudFromEnv({ OS_USERNAME: 'admin', OS_PASSWORD: 'x' }))).toEqual({ path: 'OS_AUTH_URL', message: 'missing: auth_url' });
    expect(issue(() => cloudFromYaml('other', { OS_CLIENT_CONFIG_FILE: cloudsYaml() }))).toEqual({ path: '/clouds/other', message: 'no cloud named "other" (clouds: lab)' });
    const noSecret = cloudsYaml().replace(/clouds\.yaml$/, 'c2.yaml');
    writeFileSync(noSecret, 'clouds:\n  lab:\n    auth_type: v3applicationcredential\n    auth:\n      auth_url: http://x\n      application_credential_id: ac-1\n');
    expect(issue(() => cloudFromYaml('lab', { OS_CLIENT_CONFIG_FILE: noSecret }))).toEqual({ path: '/clouds/lab/auth/application_credential_secret', message: 'missing: application_credential_secret' });
  });

  it('takes secrets from secure.yaml next to clouds.yaml', () => {
    const file = cloudsYaml();
    writeFileSync(file, `clouds:\n  lab:\n    auth:\n      auth_url: ${cloud.url}/identity\n      username: admin\n      user_domain_name: Default\n`);
    writeFileSync(join(work, 'secure.yaml'), 'clouds:\n  lab:\n    auth:\n      password: secret\n');
    expect(cloudFromYaml('lab', { OS_CLIENT_CONFIG_FILE: file }).password).toBe('secret');
  });

  it('runs from the command line with --os-cloud and exits 1 naming what failed', async () => {
    const env = { ...process.env, OS_CLIENT_CONFIG_FILE: cloudsYaml() };
    const ok = await run(process.execPath, [CLI, 'snapshot', '--os-cloud', 'lab', '--out', join(work, 'snap'), '--page-size', '4'], { env });
    expect(ok.stderr).toMatch(/shunt: snapshot: compute API 2\.95\n.*3 hypervisors, 7 servers in 3 page\(s\)/s);
    expect(existsSync(join(work, 'snap', 'servers-2.json'))).toBe(true);
    const again = await run(process.execPath, [CLI, 'snapshot', '--os-cloud', 'lab', '--out', join(work, 'snap')], { env }).catch((e: { code: number; stderr: string }) => e);
    expect(again).toMatchObject({ code: 2 });
    expect((again as { stderr: string }).stderr).toMatch(/exists and is not empty/);
    cloud.unavailable('/placement', 10);
    const down = await run(process.execPath, [CLI, 'snapshot', '--os-cloud', 'lab', '--out', join(work, 'snap3'), '--retries', '1'], { env }).catch((e: { code: number; stderr: string }) => e);
    expect(down).toMatchObject({ code: 1 });
    expect((down as { stderr: string }).stderr).toMatch(/shunt: snapshot failed: GET .*\/placement\/: 503 Service Unavailable \(gave up after 2 attempts\)/);
  });
});
