// Route 53 health checks on the colors (dns.healthCheck, docs/safety-nets.md): what a color's
// check looks like and how bluegreen names it. Pure and typed from the AWS SDK only, so the
// workflow (which builds the record changes) and the activities (which call Route 53) share it.
import type { HealthCheckConfig } from '@aws-sdk/client-route-53';
import type { Color, DnsSpec } from './spec';
import { fqdn } from './names';

/** The health check each color's record carries (absent: none). */
export type HealthCheckIds = Partial<Record<Color, string>>;

/** Route 53's limit on a CallerReference. */
const MAX_REFERENCE = 64;

/** FNV-1a, 32 bits, as 8 hex digits: short, stable names from long ones (not for security). */
function fnv1a(text: string, seed = 0x811c9dc5): string {
  let h = seed;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/**
 * Every check bluegreen creates for a record starts with this CallerReference: `repair` finds the
 * record's checks among the account's by it. The record name is hashed because a reference holds
 * at most 64 characters and a record name up to 255.
 */
export function healthCheckPrefix(dns: Pick<DnsSpec, 'recordName' | 'recordType'>): string {
  return `bluegreen-hc-${fnv1a(`${fqdn(dns.recordName)}|${dns.recordType}`)}-`;
}

/**
 * The CallerReference of one release's check of one color: the same on every retry and every run
 * of the release (`release` is its workflow id and first run id), so a retried create finds the
 * check it made instead of making a second one; a later release of the same color gets a new one.
 */
export function healthCheckReference(
  dns: Pick<DnsSpec, 'recordName' | 'recordType'>,
  color: Color,
  release: string,
): string {
  const ref = `${healthCheckPrefix(dns)}${color}-${fnv1a(release)}${fnv1a(release, 0x01000193)}`;
  return ref.slice(0, MAX_REFERENCE);
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

/** The check of one color: its record's target (an alias's DNS name; an IP address as such). */
export function healthCheckConfig(dns: DnsSpec, color: Color): HealthCheckConfig {
  const hc = dns.healthCheck;
  if (!hc) throw new Error('dns.healthCheck is not set');
  const target = dns.targets[color];
  const host = (typeof target === 'string' ? target : target.dnsName).replace(/\.$/, '');
  const port = hc.port ?? (hc.type === 'HTTP' ? 80 : 443);
  return {
    Type: hc.type,
    ...(IPV4.test(host) ? { IPAddress: host } : { FullyQualifiedDomainName: host }),
    Port: port,
    ...(hc.type === 'TCP' ? {} : { ResourcePath: hc.path ?? '/' }),
    // An HTTPS check of a host name sends it in the TLS handshake, as browsers do.
    ...(hc.type === 'HTTPS' && !IPV4.test(host) ? { EnableSNI: true } : {}),
    FailureThreshold: hc.failureThreshold,
    RequestInterval: hc.requestInterval,
  };
}

/** Only `color`'s entry: the checks a record keeps when the other color leaves. */
export function onlyCheckOf(checks: HealthCheckIds, color: Color): HealthCheckIds {
  const id = checks[color];
  return id ? { [color]: id } : {};
}
