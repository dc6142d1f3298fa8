// verify.command: the team's own smoke test (curl a few pages, a Playwright flow, a checkout
// call) run against the new color before it gets any traffic. Exit 0 passes; anything else is a
// failed verification whose last lines of output go into the rollback reason, secrets redacted.
import { CancelledFailure } from '@temporalio/common';
import { parseDuration } from '../../contract/duration';
import { redactError, redactor, referencedSecrets, resolveEnvReferences } from '../secrets';
import type { Progress } from '../environments/provider';
import { checkInvocation, describeEnd, lastLines, runOnce } from '../environments/run-once';
import type { SmokeRequest, SmokeResult } from '../../contract/activities';
export type { SmokeRequest, SmokeResult };

/** Lines of output a failed smoke test puts into the rollback reason. */
export const SMOKE_TAIL_LINES = 10;

export async function runSmoke(req: SmokeRequest, progress: Progress, signal?: AbortSignal): Promise<SmokeResult> {
  const redact = redactor(referencedSecrets(req.command.env, process.env));
  try {
    const call = checkInvocation(req.command, req.vars, req.specDir, (env) =>
      resolveEnvReferences(env, process.env, 'verify.command.env'),
    );
    progress(`running ${JSON.stringify(req.command.run)}`);
    const result = await runOnce({
      ...call,
      timeoutMs: parseDuration(req.command.timeout),
      signal,
      onOutput: (output) => progress(redact(`smoke test: ${lastLines(output, 5)}`)),
    });
    const tail = redact(lastLines(result.output, SMOKE_TAIL_LINES));
    const how = redact(describeEnd(result, req.command.run, req.command.timeout));
    if (result.ended === 'cancelled') throw new CancelledFailure(`verify.command ${how}; last output:\n${tail}`);
    return { passed: result.ended === 'exit' && result.code === 0, how, tail, ms: result.ms };
  } catch (err) {
    throw redactError(err, redact);
  }
}
