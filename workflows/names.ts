// Record naming shared by the workflows, the router and the CLI (pure: safe in workflow code, and
// free of the AWS SDK so the CLI starts fast).
import type { Color } from './spec';

export function fqdn(name: string): string {
  return name.endsWith('.') ? name.toLowerCase() : `${name.toLowerCase()}.`;
}

/** Identifiers embed the record name: they must be unique per record, and some Route 53
 * emulators delete by identifier across the whole zone. */
export function setIdentifierFor(recordName: string, color: Color): string {
  return `bluegreen-${color}-${fqdn(recordName).slice(0, -1)}`;
}

/** One workflow id per DNS record: Temporal then refuses a second concurrent release of it. */
export function releaseIdFor(recordName: string): string {
  return `bluegreen-${fqdn(recordName).slice(0, -1)}`;
}
