// moto keeps Route 53 in memory. `bluegreen dev` saves its zones and records to a file every
// few seconds and on exit, and loads them at start, so releases survive a restart of the stack.
// Zones are matched by name: the emulator gives a restored zone a new id, which is why local
// specs name their zone with dns.zoneName.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import {
  ChangeResourceRecordSetsCommand,
  CreateHostedZoneCommand,
  ListHostedZonesByNameCommand,
  ListHostedZonesCommand,
  ListResourceRecordSetsCommand,
  type ResourceRecordSet,
  type Route53Client,
} from '@aws-sdk/client-route-53';
import { fqdn } from '../workflows/names';

interface Snapshot {
  zones: { name: string; records: ResourceRecordSet[] }[];
}

export async function ensureZone(client: Route53Client, name: string): Promise<string> {
  const found = await client.send(new ListHostedZonesByNameCommand({ DNSName: fqdn(name), MaxItems: 1 }));
  const zone = found.HostedZones?.find((z) => fqdn(z.Name ?? '') === fqdn(name));
  if (zone?.Id) return zone.Id.replace('/hostedzone/', '');
  const created = await client.send(
    new CreateHostedZoneCommand({ Name: name, CallerReference: `bluegreen-dev-${name}-${Date.now()}` }),
  );
  return created.HostedZone!.Id!.replace('/hostedzone/', '');
}

export async function snapshotRoute53(client: Route53Client, file: string): Promise<void> {
  const snapshot: Snapshot = { zones: [] };
  const zones = await client.send(new ListHostedZonesCommand({}));
  for (const z of zones.HostedZones ?? []) {
    const out = await client.send(new ListResourceRecordSetsCommand({ HostedZoneId: z.Id!, MaxItems: 300 }));
    // SOA and the apex NS belong to the zone itself and come back when it is created.
    const records = (out.ResourceRecordSets ?? []).filter(
      (r) => !(r.Type === 'SOA' || (r.Type === 'NS' && fqdn(r.Name ?? '') === fqdn(z.Name!))),
    );
    snapshot.zones.push({ name: z.Name!, records });
  }
  writeFileSync(`${file}.tmp`, JSON.stringify(snapshot, null, 2));
  renameSync(`${file}.tmp`, file);
}

export async function restoreRoute53(client: Route53Client, file: string): Promise<number> {
  let snapshot: Snapshot;
  try {
    snapshot = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  } catch {
    return 0;
  }
  let restored = 0;
  for (const zone of snapshot.zones) {
    const id = await ensureZone(client, zone.name);
    if (zone.records.length === 0) continue;
    await client.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: id,
        ChangeBatch: { Changes: zone.records.map((r) => ({ Action: 'UPSERT', ResourceRecordSet: r })) },
      }),
    );
    restored += zone.records.length;
  }
  return restored;
}
