// The documented IAM policy grants exactly the Route 53 API calls the router makes: no more
// (least privilege), no less (a release would fail with AccessDenied halfway).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { projectRoot } from '../../support/binaries';

describe('IAM policy in docs/iam-policy.json', () => {
  it('lists exactly the Route 53 actions the code calls', () => {
    const source = readFileSync(path.join(projectRoot, 'activities', 'routers', 'route53', 'router.ts'), 'utf8');
    const called = new Set([...source.matchAll(/new (\w+)Command\(/g)].map((m) => `route53:${m[1]}`));
    const policy = JSON.parse(readFileSync(path.join(projectRoot, 'docs', 'iam-policy.json'), 'utf8')) as {
      Statement: { Action: string[] }[];
    };
    const granted = new Set(policy.Statement.flatMap((s) => s.Action));
    assert.deepEqual([...granted].sort(), [...called].sort());
  });
});
