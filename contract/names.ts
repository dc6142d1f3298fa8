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

/** Longest DNS name Route 53 accepts, and its longest label. */
export const MAX_DNS_NAME = 255;
export const MAX_DNS_LABEL = 63;

/**
 * Why `name` is not a DNS name Route 53 takes as-is, or null. Route 53's charset: letters,
 * digits, "-", "_" and "." ("*" only as a whole leftmost label: a wildcard record). Everything
 * else would need \ooo escapes and is far more often a typo or an injection than intended.
 */
export function dnsNameProblem(name: string, opts: { wildcard: boolean }): string | null {
  if (name.length > MAX_DNS_NAME) return `is ${name.length} characters long; a DNS name has at most ${MAX_DNS_NAME}`;
  const bare = name.endsWith('.') ? name.slice(0, -1) : name;
  if (bare === '') return 'is empty';
  const labels = bare.split('.');
  for (const [i, label] of labels.entries()) {
    if (label === '') return 'has an empty label (two dots in a row, or a leading dot)';
    if (label.length > MAX_DNS_LABEL)
      return `has a label of ${label.length} characters ("${label.slice(0, 20)}..."); a label has at most ${MAX_DNS_LABEL}`;
    if (label === '*') {
      if (!opts.wildcard) return 'may not contain "*"';
      if (i !== 0) return 'may have "*" only as its leftmost label, e.g. "*.example.com"';
      continue;
    }
    if (!/^[A-Za-z0-9_-]+$/.test(label))
      return `has ${JSON.stringify(firstBadCharacter(label))} in label ${JSON.stringify(label.slice(0, 40))}: use letters, digits, "-", "_" and "."${opts.wildcard ? ' ("*" as a whole leftmost label)' : ''}`;
  }
  return null;
}

function firstBadCharacter(label: string): string {
  for (const ch of label) if (!/[A-Za-z0-9_-]/.test(ch)) return ch;
  return '?';
}

/** True when `name` is `zone` or a name inside it (case-insensitive, trailing dots optional). */
export function isInsideZone(name: string, zone: string): boolean {
  const n = fqdn(name);
  const z = fqdn(zone);
  return n === z || n.endsWith(`.${z}`);
}

/** Memo of a repair that finished a release: the version it left serving (the next versionFrom
 * release compares against it, as it does against the newest completed release). */
export const SERVES_VERSION_MEMO = 'bluegreenServesVersion';
