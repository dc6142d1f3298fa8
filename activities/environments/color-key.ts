// What identifies one color's state on this host: the state folder, the Temporal namespace, the
// record and the color. Two records released under one service name (staging and prod), or two
// servers sharing a state folder, never touch each other's processes. Requests without a record
// name (releases started by an older worker) keep the old service-and-color key they started with.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fqdn } from '../../contract/names';
import type { ColorInstance } from './provider';

export interface ColorKey {
  /** Unique across state folders: the local provider's process marker. */
  marker: string;
  /** One path component naming the color's files under the state folder. */
  file: string;
}

export function colorKey(stateDir: string, namespace: string | undefined, instance: ColorInstance): ColorKey {
  const scope = createHash('sha256').update(path.resolve(stateDir)).digest('hex').slice(0, 12);
  if (!instance.recordName)
    return {
      marker: `${scope}:${instance.service}:${instance.color}`,
      file: `${instance.service}-${instance.color}`,
    };
  const ns = namespace ?? 'default';
  const record = fqdn(instance.recordName).slice(0, -1);
  return {
    marker: `${scope}:${ns}:${record}:${instance.service}:${instance.color}`,
    file: `${safeFileName(ns)}--${safeFileName(record)}--${instance.service}-${instance.color}`,
  };
}

/** A name safe as one path component: anything but letters, digits, ".", "_" and "-" is %-escaped. */
function safeFileName(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
