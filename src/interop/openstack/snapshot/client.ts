/**
 * Authenticated GETs against the compute and placement services: microversion headers,
 * one re-authentication when a token has expired (401), pagination helpers.
 */
import type { CloudConfig } from './config.js';
import { authenticate, findEndpoint, type Session } from './keystone.js';
import { RemoteError, errorDetail, requestJson, type HttpOptions } from './http.js';

export type Service = 'compute' | 'placement';

/** Highest microversion shunt asks for, and the lowest it can read. */
export const MICROVERSIONS: Record<Service, { min: string; max: string }> = {
  compute: { min: '2.53', max: '2.96' },
  placement: { min: '1.14', max: '1.39' },
};

const parts = (v: string) => v.split('.').map(Number) as [number, number];
export const compareVersions = (a: string, b: string) => { const [x, y] = parts(a); const [u, w] = parts(b); return x - u || y - w; };

export class OpenStackClient {
  private session?: Session;
  /** A re-authentication in progress, shared by the requests that found the token expired. */
  private renewing?: Promise<void>;
  readonly versions: Partial<Record<Service, string>> = {};

  constructor(readonly cloud: CloudConfig, readonly http: HttpOptions) {}

  async connect(): Promise<void> {
    this.session = await authenticate(this.cloud, this.http);
  }

  endpoint(service: Service): string | undefined {
    return findEndpoint(this.session!, service, this.cloud);
  }

  private headers(service: Service): Record<string, string> {
    const h: Record<string, string> = { 'X-Auth-Token': this.session!.token };
    const v = this.versions[service];
    if (v) {
      h['OpenStack-API-Version'] = `${service} ${v}`;
      if (service === 'compute') h['X-OpenStack-Nova-API-Version'] = v;
    }
    return h;
  }

  /** GET a path (or an absolute URL) of a service; a 401 re-authenticates once. */
  async get(service: Service, path: string): Promise<unknown> {
    const base = this.endpoint(service);
    if (!base) throw new RemoteError('GET', path, undefined, `no ${service} endpoint (interface ${this.cloud.interface}${this.cloud.regionName ? `, region ${this.cloud.regionName}` : ''}) in the service catalogue`);
    const url = /^https?:\/\//.test(path) ? path : `${base}${path}`;
    const used = this.session!.token;
    let res = await requestJson('GET', url, this.headers(service), undefined, this.http);
    if (res.status === 401) {
      // Another request may have renewed the token meanwhile: then only retry with the new one.
      if (this.session!.token === used) await this.renew(url, res.status);
      res = await requestJson('GET', url, this.headers(service), undefined, this.http);
    }
    if (res.status !== 200) throw new RemoteError('GET', url, res.status, errorDetail(res.body, 'unexpected answer'));
    const asked = this.versions[service];
    const answered = res.headers.get('openstack-api-version');
    if (asked && answered && answered !== `${service} ${asked}`) throw new RemoteError('GET', url, res.status, `asked for ${service} ${asked}, answered with ${answered}`);
    return res.body;
  }

  private async renew(url: string, status: number): Promise<void> {
    if (!this.renewing) {
      this.http.onRetry?.(`GET ${url}: ${status}, the token has expired; authenticating again`);
      this.renewing = this.connect().finally(() => { this.renewing = undefined; });
    }
    await this.renewing;
  }

  /** Picks the highest microversion both sides know, from the service's version document. */
  async negotiate(service: Service): Promise<string> {
    const doc = await this.get(service, '/') as { version?: { version?: string; max_version?: string; min_version?: string }; versions?: { max_version?: string; min_version?: string; status?: string }[] };
    const info = doc?.version ?? doc?.versions?.find((v) => v.status === 'CURRENT') ?? doc?.versions?.[0];
    const max = info && ('version' in info ? info.version : undefined) || info?.max_version;
    const { min, max: ours } = MICROVERSIONS[service];
    if (!max) throw new RemoteError('GET', `${this.endpoint(service)}/`, 200, `no microversion range in the ${service} version document`);
    if (compareVersions(max, min) < 0) throw new RemoteError('GET', `${this.endpoint(service)}/`, 200, `${service} API goes up to ${max}; shunt needs ${min} or later`);
    const chosen = compareVersions(max, ours) < 0 ? max : ours;
    return (this.versions[service] = chosen);
  }
}
