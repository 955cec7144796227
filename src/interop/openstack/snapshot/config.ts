/**
 * Where to authenticate and as whom: a cloud of clouds.yaml (merged with secure.yaml), or the
 * OS_* environment variables, as the openstack client reads them. Keystone v3 only, with a
 * password or an application credential.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { InputError } from '../../../io/errors.js';

export interface CloudConfig {
  /** Where the settings came from, for messages. */
  source: string;
  authUrl: string;
  method: 'password' | 'application_credential';
  username?: string;
  userId?: string;
  password?: string;
  userDomainName?: string;
  userDomainId?: string;
  projectName?: string;
  projectId?: string;
  projectDomainName?: string;
  projectDomainId?: string;
  applicationCredentialId?: string;
  applicationCredentialName?: string;
  applicationCredentialSecret?: string;
  regionName?: string;
  /** Endpoint interface in the catalogue: public (default), internal or admin. */
  interface: string;
}

/** Where the openstack client looks for clouds.yaml, first match wins. */
export function cloudsYamlPaths(env: NodeJS.ProcessEnv): string[] {
  const config = env['XDG_CONFIG_HOME'] ?? join(homedir(), '.config');
  return [env['OS_CLIENT_CONFIG_FILE'], join(process.cwd(), 'clouds.yaml'), join(config, 'openstack', 'clouds.yaml'), '/etc/openstack/clouds.yaml']
    .filter((p): p is string => !!p);
}

type Settings = Record<string, unknown>;
const isObject = (v: unknown): v is Settings => typeof v === 'object' && v !== null && !Array.isArray(v);

function readYaml(file: string): Settings {
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError(file, [{ path: '', message: `not valid YAML: ${(e as Error).message}` }]);
  }
  if (!isObject(doc) || !isObject(doc['clouds'])) throw new InputError(file, [{ path: '/clouds', message: 'expected a mapping of cloud names to settings' }]);
  return doc['clouds'];
}

/** secure.yaml (next to clouds.yaml) may hold the secrets: merged key by key. */
function merge(base: Settings, extra: Settings | undefined): Settings {
  if (!extra) return base;
  const out: Settings = { ...base };
  for (const [k, v] of Object.entries(extra)) out[k] = isObject(v) && isObject(out[k]) ? merge(out[k] as Settings, v) : v;
  return out;
}

const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);

/** Settings that older or shorter names stand for (tenant_* of Keystone v2, domain_* for both domains). */
const ALIASES: Record<string, string[]> = {
  user_domain_name: ['domain_name'], user_domain_id: ['domain_id'],
  project_name: ['tenant_name'], project_id: ['tenant_id'],
  project_domain_name: ['domain_name'], project_domain_id: ['domain_id'],
};

const setting = (s: Record<string, string | undefined>, key: string) => [key, ...(ALIASES[key] ?? [])].map((k) => s[k]).find((v) => v !== undefined);

function authMethod(s: Record<string, string | undefined>): CloudConfig['method'] | undefined {
  const type = (s['auth_type'] ?? (s['application_credential_secret'] ? 'v3applicationcredential' : 'password')).toLowerCase();
  if (type === 'v3applicationcredential' || type === 'application_credential') return 'application_credential';
  return type === 'password' || type === 'v3password' ? 'password' : undefined;
}

/** Builds the config from flat settings (clouds.yaml auth keys, or OS_* names lower-cased without OS_). */
function fromSettings(source: string, s: Record<string, string | undefined>, where: (key: string) => string): CloudConfig {
  const method = authMethod(s);
  if (!method) throw new InputError(source, [{ path: where('auth_type'), message: `auth type ${JSON.stringify(s['auth_type'])} is not supported (password, v3password, v3applicationcredential)` }]);
  const missing = (key: string, what = key): never => { throw new InputError(source, [{ path: where(key), message: `missing: ${what}` }]); };
  const get = (key: string) => setting(s, key);
  const config: CloudConfig = {
    source, method, authUrl: get('auth_url') ?? missing('auth_url'), interface: (get('interface') ?? 'public').replace(/URL$/, ''),
    username: get('username'), userId: get('user_id'), password: get('password'),
    userDomainName: get('user_domain_name'), userDomainId: get('user_domain_id'),
    projectName: get('project_name'), projectId: get('project_id'),
    projectDomainName: get('project_domain_name'), projectDomainId: get('project_domain_id'),
    applicationCredentialId: get('application_credential_id'), applicationCredentialName: get('application_credential_name'),
    applicationCredentialSecret: get('application_credential_secret'), regionName: get('region_name'),
  };
  if (method === 'password') {
    if (!config.password) missing('password');
    if (!config.username && !config.userId) missing('username', 'username or user_id');
  } else {
    if (!config.applicationCredentialSecret) missing('application_credential_secret');
    if (!config.applicationCredentialId && !config.applicationCredentialName) missing('application_credential_id', 'application_credential_id or application_credential_name');
  }
  return config;
}

export function cloudFromYaml(name: string, env: NodeJS.ProcessEnv = process.env): CloudConfig {
  const file = cloudsYamlPaths(env).find((p) => existsSync(p));
  if (!file) throw new InputError('--os-cloud', [{ path: '', message: `no clouds.yaml found (looked in ${cloudsYamlPaths(env).join(', ')})` }]);
  const secureFile = join(file, '..', 'secure.yaml');
  const clouds = merge(readYaml(file), existsSync(secureFile) ? readYaml(secureFile) : undefined);
  const cloud = clouds[name];
  if (!isObject(cloud)) throw new InputError(file, [{ path: `/clouds/${name}`, message: `no cloud named ${JSON.stringify(name)} (clouds: ${Object.keys(clouds).join(', ') || 'none'})` }]);
  const auth = isObject(cloud['auth']) ? cloud['auth'] : {};
  const flat: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(auth)) flat[k] = text(v);
  for (const k of ['auth_type', 'region_name', 'interface']) flat[k] = text(cloud[k]);
  if (text(cloud['identity_api_version']) && text(cloud['identity_api_version']) !== '3') {
    throw new InputError(file, [{ path: `/clouds/${name}/identity_api_version`, message: 'only Keystone v3 is supported' }]);
  }
  return fromSettings(file, flat, (key) => (['auth_type', 'region_name', 'interface'].includes(key) ? `/clouds/${name}/${key}` : `/clouds/${name}/auth/${key}`));
}

export function cloudFromEnv(env: NodeJS.ProcessEnv = process.env): CloudConfig {
  const flat: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) if (k.startsWith('OS_') && v) flat[k.slice(3).toLowerCase()] = v;
  flat['interface'] ??= flat['endpoint_type'];
  return fromSettings('environment', flat, (key) => `OS_${key.toUpperCase()}`);
}

/** --os-cloud, else $OS_CLOUD, else the OS_* variables. */
export function resolveCloud(name: string | undefined, env: NodeJS.ProcessEnv = process.env): CloudConfig {
  const cloud = name ?? env['OS_CLOUD'];
  return cloud ? cloudFromYaml(cloud, env) : cloudFromEnv(env);
}
