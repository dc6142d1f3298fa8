// The documented IAM policy grants exactly the API calls each AWS router makes: no more (least
// privilege), no less (a release would fail with AccessDenied halfway).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { projectRoot } from '../../support/binaries';

/** `<prefix>:<Operation>` for every SDK command a router's folder sends (every file in it). */
function calledBy(routerFolder: string, prefix: string): string[] {
  const folder = path.join(projectRoot, 'activities', 'routers', routerFolder);
  const source = readdirSync(folder)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => readFileSync(path.join(folder, f), 'utf8'))
    .join('\n');
  return [...new Set([...source.matchAll(/new (\w+)Command\(/g)].map((m) => `${prefix}:${m[1]}`))].sort();
}

function granted(prefix: string): string[] {
  const policy = JSON.parse(readFileSync(path.join(projectRoot, 'docs', 'iam-policy.json'), 'utf8')) as {
    Statement: { Action: string[] }[];
  };
  return [...new Set(policy.Statement.flatMap((s) => s.Action))].filter((a) => a.startsWith(`${prefix}:`)).sort();
}

describe('IAM policy in docs/iam-policy.json', () => {
  it('lists exactly the Route 53 actions the code calls', () => {
    assert.deepEqual(granted('route53'), calledBy('route53', 'route53'));
  });

  it('lists exactly the ELBv2 actions the ALB router calls', () => {
    const called = calledBy('alb', 'elasticloadbalancing');
    assert.ok(called.length >= 4, `found only ${called.join(', ')}: did the router's source move?`);
    assert.deepEqual(granted('elasticloadbalancing'), called);
  });

  it('is the one copy: production.md points at it instead of repeating it', () => {
    const production = readFileSync(path.join(projectRoot, 'docs', 'production.md'), 'utf8');
    assert.match(production, /\(iam-policy\.json\)/);
    assert.doesNotMatch(production, /"Statement"/);
  });
});
