/**
 * Padded instances: a tiny instance plus 40-60 VMs that can never move, so that the
 * total VM count exceeds any gate on the instance size while only the tiny core matters.
 * The padding VMs sit on extra hosts filled exactly (nothing fits in), and each is larger
 * in RAM than any core host's capacity (it fits nowhere else); their target is their
 * placement.
 */
import type { HostDoc, VmDoc } from '../../../src/model/instance.js';
import type { Random } from '../random.js';
import type { Draft } from './draft.js';
import { drawTinyDoc } from './tiny.js';

export async function padded(rng: Random): Promise<Draft> {
  const { doc, label } = drawTinyDoc(rng);
  const biggest = Math.max(...doc.hosts.map((h) => h.capacity!['ram']!));
  const count = rng.int(40, 60);
  const extra = rng.int(2, 6);
  const hosts: HostDoc[] = Array.from({ length: extra }, (_, i) => ({ name: `pad-host-${i + 1}`, capacity: { ram: 0 } }));
  const vms: VmDoc[] = [];
  for (let i = 0; i < count; i++) {
    const ram = biggest + 1024 * rng.int(1, 4);
    const host = hosts[i % extra]!;
    host.capacity!['ram']! += ram;
    vms.push({ name: `pad-vm-${i + 1}`, demand: { ram } });
    doc.placement[vms[i]!.name] = host.name;
  }
  doc.hosts.push(...hosts);
  doc.vms.push(...vms);
  return { shape: `${label.join(' ')} +${count} pinned on ${extra} full hosts`, doc, timeLimit: 3, known: {} };
}
