/** Keystone v3: a token and the service catalogue, and endpoint lookup in it. */
import { InputError } from '../../../io/errors.js';
import type { CloudConfig } from './config.js';
import { RemoteError, errorDetail, requestJson, type HttpOptions } from './http.js';

export interface Endpoint { interface: string; region?: string; region_id?: string; url: string }
export interface CatalogEntry { type: string; name?: string; endpoints: Endpoint[] }
export interface Session { token: string; catalog: CatalogEntry[] }

const domain = (name?: string, id?: string) => (id ? { id } : name ? { name } : undefined);

function identity(c: CloudConfig): Record<string, unknown> {
  if (c.method === 'application_credential') {
    const credential: Record<string, unknown> = { secret: c.applicationCredentialSecret };
    if (c.applicationCredentialId) credential['id'] = c.applicationCredentialId;
    else credential['name'] = c.applicationCredentialName;
    if (!c.applicationCredentialId) credential['user'] = c.userId ? { id: c.userId } : { name: c.username, domain: domain(c.userDomainName, c.userDomainId) };
    return { methods: ['application_credential'], application_credential: credential };
  }
  const user = c.userId ? { id: c.userId, password: c.password } : { name: c.username, domain: domain(c.userDomainName, c.userDomainId) ?? { id: 'default' }, password: c.password };
  return { methods: ['password'], password: { user } };
}

/** An application credential carries its own scope; a password is scoped to the project when one is named. */
function scope(c: CloudConfig): Record<string, unknown> | undefined {
  if (c.method === 'application_credential') return undefined;
  if (c.projectId) return { project: { id: c.projectId } };
  if (c.projectName) return { project: { name: c.projectName, domain: domain(c.projectDomainName, c.projectDomainId) ?? { id: 'default' } } };
  return undefined;
}

export function tokensUrl(authUrl: string): string {
  const base = authUrl.replace(/\/+$/, '');
  return `${/\/v3$/.test(base) ? base : `${base}/v3`}/auth/tokens`;
}

export async function authenticate(c: CloudConfig, http: HttpOptions): Promise<Session> {
  const url = tokensUrl(c.authUrl);
  const s = scope(c);
  const res = await requestJson('POST', url, {}, { auth: { identity: identity(c), ...(s ? { scope: s } : {}) } }, http);
  if (res.status === 401) throw new InputError(c.source, [{ path: '', message: `Keystone (${url}) rejected the credentials: ${errorDetail(res.body, 'unauthorized')}` }]);
  if (res.status !== 201 && res.status !== 200) throw new RemoteError('POST', url, res.status, errorDetail(res.body, 'authentication failed'));
  const token = res.headers.get('x-subject-token');
  const catalog = (res.body as { token?: { catalog?: CatalogEntry[] } } | undefined)?.token?.catalog;
  if (!token) throw new RemoteError('POST', url, res.status, 'no X-Subject-Token header in the answer');
  if (!Array.isArray(catalog)) throw new RemoteError('POST', url, res.status, 'the token has no service catalogue (is it scoped to a project?)');
  return { token, catalog };
}

/** The URL of a service (by type) for the configured interface and region; undefined when the catalogue has none. */
export function findEndpoint(session: Session, type: string, c: CloudConfig): string | undefined {
  const entry = session.catalog.find((e) => e.type === type);
  const match = entry?.endpoints.find((e) => e.interface === c.interface && (!c.regionName || e.region_id === c.regionName || e.region === c.regionName));
  return match?.url.replace(/\/+$/, '');
}
