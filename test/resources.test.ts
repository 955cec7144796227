/** Resources by name: a demand nothing limits or declares is a typo; a capacity nobody demands is a warning. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cloud, load, plan, shunt, tempDir } from './helpers.js';
import { oneEditApart } from '../src/io/validate-instance.js';
import { InputError } from '../src/io/errors.js';

const typo = cloud({
  hosts: { h1: { ram: 8 }, h2: { ram: 8 } },
  vms: { web: { rma: 4 } },
  at: { web: 'h1' },
  to: { web: 'h2' },
});

async function issuesOf(doc: object): Promise<Array<{ path: string; message: string }>> {
  try {
    await load(doc as never);
  } catch (e) {
    if (e instanceof InputError) return e.issues;
    throw e;
  }
  return [];
}

describe('a demanded resource', () => {
  it('that no host limits and no list declares is an error naming the VM and the resource, with a suggestion one edit away', async () => {
    expect(await issuesOf(typo)).toEqual([{
      path: '/vms/0/demand/rma',
      message: 'VM "web" demands "rma", which no host limits and "resources" does not list (did you mean "ram"?); list it in "resources" if it is meant to be unlimited',
    }]);
  });

  it('far from every known name gets no suggestion', async () => {
    const [issue] = await issuesOf({ ...typo, vms: [{ name: 'web', demand: { gpu: 1 } }] });
    expect(issue!.message).toBe('VM "web" demands "gpu", which no host limits and "resources" does not list; list it in "resources" if it is meant to be unlimited');
  });

  it('declared in "resources" is unlimited where no host limits it, and costs nothing to carry', async () => {
    const doc = { ...typo, resources: [{ name: 'ram', unit: 'MiB' }, { name: 'licence', unit: 'seats' }], vms: [{ name: 'web', demand: { ram: 4, licence: 1 } }] };
    expect(await issuesOf(doc)).toEqual([]);
    expect((await plan(doc as never)).status).toBe('optimal');
  });

  it('limited by any host needs no declaration', async () => {
    const doc = cloud({ hosts: { h1: { ram: 8, cpu: 4 }, h2: { ram: 8 } }, vms: { web: { ram: 4, cpu: 2 } }, at: { web: 'h1' } });
    expect(await issuesOf(doc)).toEqual([]);
  });
});

describe('a capacity that no VM demands', () => {
  const idle = cloud({ hosts: { h1: { ram: 8, gpu: 2 }, h2: { ram: 8 } }, vms: { web: { ram: 4 } }, at: { web: 'h1' }, to: { web: 'h2' } });

  it('is a warning in the output of validate', async () => {
    const dir = tempDir();
    const file = join(dir, 'instance.json');
    writeFileSync(file, JSON.stringify(idle));
    const r = await shunt('validate', file);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('warning: hosts have a capacity of "gpu", but no VM demands it');
    expect(JSON.parse((await shunt('validate', file, '--json')).stdout).warnings).toEqual(['hosts have a capacity of "gpu", but no VM demands it']);
  });

  it('is a note of the plan', async () => {
    expect((await plan(idle)).notes).toContain('warning: hosts have a capacity of "gpu", but no VM demands it');
  });
});

describe('one edit apart', () => {
  it.each([
    ['ram', 'rma', true], ['ram', 'ra', true], ['ram', 'rams', true], ['ram', 'rom', true], ['ram', 'arm', true],
    ['ram', 'ram', false], ['ram', 'mar', false], ['ram', 'cpu', false], ['disk', 'dsik', true], ['disk', 'dks', false],
  ])('%s and %s: %s', (a, b, expected) => {
    expect(oneEditApart(a, b)).toBe(expected);
    expect(oneEditApart(b, a)).toBe(expected);
  });
});
