// A generated corpus of invalid and hostile release specs: wrong types, missing fields, absurd
// values, hostile YAML, huge files and bad encodings. Each case says which field (or what about
// the file) the refusal must name.
import YAML from 'yaml';

export interface CorpusCase {
  name: string;
  /** Bytes of the spec file. */
  content: Buffer;
  /** What the error message must contain: the field path, or what is wrong with the file. */
  expect: RegExp;
}

export const validSpec = {
  service: 'shop',
  version: '2.4.1',
  environment: { provider: 'local', command: ['node', 'app.js'], ports: { blue: 8081, green: 8082 } },
  dns: {
    provider: 'route53',
    zoneName: 'example.com',
    recordName: 'shop.example.com',
    ttl: 60,
    targets: { blue: 'blue.shop.example.com', green: 'green.shop.example.com' },
  },
  traffic: { steps: [10, 50, 100], interval: '5m' },
  decommission: { delay: '15m' },
};

type Json = Record<string, unknown>;
const REMOVE = Symbol('remove');

/** A copy of the valid spec with `value` at the dotted path (REMOVE deletes the key). */
function withValue(pathText: string, value: unknown): Json {
  const copy = structuredClone(validSpec) as Json;
  const keys = pathText.split('.');
  let node = copy;
  for (const key of keys.slice(0, -1)) {
    node[key] ??= {};
    node = node[key] as Json;
  }
  const last = keys[keys.length - 1];
  if (value === REMOVE) delete node[last];
  else node[last] = value;
  return copy;
}

const escapePath = (p: string) => p.replace(/[.[\]]/g, (c) => `\\${c}`);

/** Field mutations: [dotted path, value, field the message names (default: the path)]. */
const mutations: [string, unknown, string?][] = [
  // wrong types
  ['service', 42],
  ['service', ['shop']],
  ['service', null],
  ['version', 2.4],
  ['version', { major: 2 }],
  ['environment', 'local'],
  ['environment.command', 'node app.js'],
  ['environment.command', [1, 2]],
  ['environment.ports.blue', 'eighty'],
  ['environment.env', { PASSWORD: 123 }, 'environment.env.PASSWORD'],
  ['dns.ttl', '60'],
  ['dns.targets', ['a', 'b']],
  ['traffic.steps', '10,50,100'],
  ['traffic.steps', ['ten', 100], 'traffic.steps[0]'],
  ['traffic.interval', 300],
  ['decommission.delay', true],
  ['approval.beforeTraffic', 'yes'],
  ['verify.http.attempts', '30'],
  // missing fields
  ['service', REMOVE],
  ['environment', REMOVE],
  ['dns', REMOVE],
  ['version', REMOVE],
  ['dns.recordName', REMOVE],
  ['dns.targets', REMOVE],
  ['dns.provider', REMOVE],
  ['environment.command', REMOVE],
  ['environment.ports', REMOVE],
  ['dns.zoneName', REMOVE, 'dns.hostedZoneId'],
  // absurd values
  ['service', ''],
  ['service', 'Shop!'],
  ['service', 'a'.repeat(64)],
  ['service', '../../etc'],
  ['version', ''],
  ['version', 'v'.repeat(129)],
  ['version', '1.0 beta'],
  ['version', '1.0\n2.0'],
  ['environment.provider', 'docker'],
  ['environment.command', []],
  ['environment.command', ['']],
  ['environment.ports.blue', 0],
  ['environment.ports.green', 70000],
  ['environment.ports.blue', 80.5],
  ['environment.ports', { blue: 8081, green: 8081 }],
  ['environment.stopGracePeriod', '100000000000000000000d'],
  ['environment.stopGracePeriod', '31d'],
  ['environment.env', { 'BAD-NAME': 'x' }, 'environment.env'],
  ['dns.provider', 'cloudflare'],
  ['dns.recordName', 'shop example.com'],
  ['dns.recordName', '😀.example.com'],
  ['dns.recordName', '../../../etc/passwd'],
  ['dns.recordName', 'shop.example.org'],
  ['dns.recordName', `${'a.'.repeat(124)}example.com`],
  ['dns.recordName', `${'a'.repeat(64)}.example.com`],
  ['dns.recordName', 'shop..example.com'],
  ['dns.recordName', 'shop.*.example.com'],
  ['dns.recordName', 'shop;rm -rf /.example.com'],
  ['dns.recordName', '"quoted".example.com'],
  ['dns.recordName', 'shop\u0000.example.com'],
  ['dns.recordName', ''],
  ['dns.recordName', 'evil.com\nexample.com'],
  ['dns.zoneName', 'exa mple.com'],
  ['dns.hostedZoneId', 'Z1" OR 1=1', 'dns.hostedZoneId'],
  ['dns.hostedZoneId', 'Z'.repeat(40)],
  ['dns.ttl', -1],
  ['dns.ttl', 172801],
  ['dns.ttl', 1.5],
  ['dns.recordType', 'AAAA'],
  ['dns.targets.blue', ''],
  ['dns.targets.blue', 'blue shop.example.com'],
  ['dns.targets.green', '💥.example.com'],
  ['dns.targets.green', `${'g'.repeat(300)}.example.com`],
  ['dns.targets.blue', '*.example.com'],
  ['dns.targets.blue', { dnsName: 'lb.example.com', hostedZoneId: 'Z2' }],
  ['verify.http.path', 'healthz'],
  ['verify.http.attempts', 0],
  ['verify.http.attempts', 1001],
  ['verify.http.expectStatus', 600],
  ['verify.http.interval', '31d'],
  ['verify.http.timeout', '1e5s'],
  ['traffic.steps', []],
  ['traffic.steps', [50, 10, 100], 'traffic.steps[1]'],
  ['traffic.steps', [10, 50], 'traffic.steps[1]'],
  ['traffic.steps', [0, 100], 'traffic.steps[0]'],
  ['traffic.steps', [10, 101], 'traffic.steps[1]'],
  ['traffic.interval', '100000000000000000000d'],
  ['traffic.interval', '31d'],
  ['traffic.interval', '5 minutes'],
  ['traffic.interval', ''],
  ['traffic.interval', 'Infinityd'],
  ['traffic.interval', '-5m'],
  ['traffic.interval', `${'9'.repeat(400)}d`],
  ['traffic.analysis.every', '0s'],
  ['traffic.analysis.every', '31d'],
  ['traffic.analysis.requests', 0],
  ['traffic.analysis.requests', 1e9],
  ['traffic.analysis.maxErrorRate', 2],
  ['traffic.analysis.maxLatencyMs', 0],
  ['decommission.delay', '31d'],
  ['decommission.delay', '9999999999999999999999h'],
  ['approval.timeout', '366d'],
  ['approval.timeout', '1000000d'],
  ['approval.onTimeout', 'explode'],
  ['window', { start: '25:00', end: '26:00' }, 'window.start'],
  ['window', { start: '09:00', end: '17:00', timezone: 'Mars/Olympus' }, 'window.timezone'],
  ['window', { start: '09:00', end: '17:00', days: ['funday'] }, 'window.days[0]'],
  ['window', { start: '17:00', end: '09:00' }, 'window.end'],
  ['versionFrom', { url: 'ftp://example.com/v' }, 'versionFrom'],
  ['surprise', 1],
  ['traffic.stepz', [10, 100]],
  ['dns.targets.purple', 'p.example.com'],
];

const bigPadding = (bytes: number) => `# ${'x'.repeat(bytes)}\n`;

function billionLaughs(): string {
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 9; i++) {
    const prev = String.fromCharCode(96 + i);
    const cur = String.fromCharCode(97 + i);
    lines.push(`${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(',')}]`);
  }
  return `${lines.join('\n')}\n`;
}

const valid = YAML.stringify(validSpec);

/** Whole-file hostility: [name, bytes, what the message says]. */
const files: [string, Buffer, RegExp][] = [
  ['billion laughs', Buffer.from(billionLaughs()), /alias bomb/],
  ['billion laughs inside a valid spec', Buffer.from(`${valid}${billionLaughs().replace(/^a:/, 'x-a:')}`), /alias/],
  [
    'invalid UTF-8: lone 0xff',
    Buffer.concat([Buffer.from('service: '), Buffer.from([0xff]), Buffer.from('\n')]),
    /UTF-8/,
  ],
  ['invalid UTF-8: overlong slash', Buffer.concat([Buffer.from('service: '), Buffer.from([0xc0, 0xaf])]), /UTF-8/],
  ['invalid UTF-8: truncated sequence', Buffer.concat([Buffer.from(valid), Buffer.from([0xe2, 0x82])]), /UTF-8/],
  ['invalid UTF-8: surrogate half', Buffer.concat([Buffer.from(valid), Buffer.from([0xed, 0xa0, 0x80])]), /UTF-8/],
  ['UTF-16 with BOM', Buffer.from(`\ufeff${valid}`, 'utf16le'), /UTF-8/],
  ['unknown tag !foo', Buffer.from(valid.replace('service: shop', 'service: !foo shop')), /Unresolved tag/],
  ['!!binary', Buffer.from(valid.replace('service: shop', 'service: !!binary c2hvcA==')), /Unresolved tag/],
  ['!!python/object', Buffer.from(`${valid}x: !!python/object:os.system [ls]\n`), /Unresolved tag/],
  ['!!set', Buffer.from(`${valid}extra: !!set { a, b }\n`), /Unresolved tag/],
  ['!!timestamp', Buffer.from(valid.replace('version: 2.4.1', 'version: !!timestamp 2001-12-14')), /Unresolved tag/],
  ['over 1 MB', Buffer.from(`${valid}${bigPadding(1024 * 1024)}`), /at most 1 MB/],
  ['5 MB of one line', Buffer.from(`service: "${'s'.repeat(5 * 1024 * 1024)}"\n`), /at most 1 MB/],
  ['empty file', Buffer.alloc(0), /\(spec\)/],
  ['only a comment', Buffer.from('# nothing here\n'), /\(spec\)/],
  ['a scalar', Buffer.from('hello\n'), /\(spec\)/],
  ['a list', Buffer.from('- service: shop\n'), /\(spec\)/],
  ['two documents', Buffer.from(`${valid}---\n${valid}`), /multiple documents/],
  ['duplicate keys', Buffer.from(`${valid}service: other\n`), /line \d+: Map keys must be unique/],
  [
    'deep flow nesting',
    Buffer.from(`service: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`),
    /nested too deeply|service/,
  ],
  [
    'deep map nesting',
    Buffer.from(`service: ${'{a: '.repeat(5000)}1${'}'.repeat(5000)}\n`),
    /nested too deeply|service/,
  ],
  ['unclosed flow sequence', Buffer.from('service: [shop\n'), /line \d+:/],
  ['tab indentation', Buffer.from('dns:\n\trecordName: x\n'), /line \d+:/],
  ['NUL bytes', Buffer.from(`service: sh\u0000op\n`), /line \d+:|service/],
  ['JSON with trailing garbage', Buffer.from(`${JSON.stringify(validSpec)} }}`), /line \d+:/],
  ['__proto__ key', Buffer.from(`${valid}__proto__: { polluted: true }\n`), /__proto__: unknown key/],
  ['merge key', Buffer.from(`${valid}base: &b { x: 1 }\nother: { <<: *b }\n`), /base: unknown key/],
];

/** A spec moving traffic through HAProxy instead of Route 53: the base of the router cases. */
const haproxySpec = (() => {
  const { dns: _dns, ...rest } = structuredClone(validSpec);
  return {
    ...rest,
    router: { provider: 'haproxy', runtimeApi: '127.0.0.1:9999', backend: 'shop', servers: { blue: 'b', green: 'g' } },
  };
})();

/** Router mutations on haproxySpec: [field under router, value, field the message names]. */
const routerMutations: [string, unknown, string?][] = [
  ['provider', 'nginx'],
  ['runtimeApi', 'localhost'],
  ['runtimeApi', '127.0.0.1:9999; disable server shop/blue'],
  ['runtimeApi', 'http://127.0.0.1:9999'],
  ['runtimeApi', REMOVE],
  ['backend', 'shop\nshutdown sessions'],
  ['backend', 'shop;disable'],
  ['backend', ''],
  ['backend', 'b'.repeat(65)],
  ['servers', { blue: 'same', green: 'same' }],
  ['servers.green', 'green server'],
  ['servers.green', REMOVE],
  ['listenerArn', 'arn:aws:elasticloadbalancing:us-east-1:1:listener/app/x/y/z', 'router'],
];

export function corpus(): CorpusCase[] {
  const routerCases = routerMutations.map(([field, value, named]): CorpusCase => {
    const doc = structuredClone(haproxySpec) as Json;
    let node = doc.router as Json;
    const keys = field.split('.');
    for (const key of keys.slice(0, -1)) node = node[key] as Json;
    const last = keys[keys.length - 1];
    if (value === REMOVE) delete node[last];
    else node[last] = value;
    const shown = value === REMOVE ? 'missing' : JSON.stringify(value)?.slice(0, 40);
    return {
      name: `router.${field} = ${shown}`,
      content: Buffer.from(YAML.stringify(doc, { lineWidth: 0 })),
      expect: new RegExp(`^  ${escapePath(named ?? `router.${field}`)}[.:[]`, 'm'),
    };
  });
  const bothRouters = { ...structuredClone(validSpec), router: haproxySpec.router };
  routerCases.push(
    {
      name: 'dns and router both given',
      content: Buffer.from(YAML.stringify(bothRouters, { lineWidth: 0 })),
      expect: /^ {2}router: give exactly one of dns .* or router .*not both/m,
    },
    {
      name: 'neither dns nor router',
      content: Buffer.from(YAML.stringify({ ...haproxySpec, router: undefined }, { lineWidth: 0 })),
      expect: /^ {2}dns: give exactly one of dns .* or router .*neither is given/m,
    },
  );
  const cases: CorpusCase[] = mutations.map(([field, value, named]) => {
    const doc = withValue(field, value);
    if (field === 'version' && value === REMOVE) delete doc.versionFrom;
    const shown = value === REMOVE ? 'missing' : JSON.stringify(value)?.slice(0, 40);
    return {
      name: `${field} = ${shown}`,
      content: Buffer.from(YAML.stringify(doc, { lineWidth: 0 })),
      expect: new RegExp(`^  ${escapePath(named ?? field)}[.:[]`, 'm'),
    };
  });
  cases.push(...routerCases);
  for (const [name, content, expect] of files) cases.push({ name, content, expect });
  return cases;
}
