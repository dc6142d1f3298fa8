// A script the team already has that prints one number (a count of failed checkouts, a queue
// depth): run once per round, the number read from the last line of its standard output. It
// runs like verify.command: minimal environment, in the spec's folder, its process group
// stopped on its timeout or when the round is cancelled.
import { parseDuration } from '../../contract/duration';
import type { CommandMetricSpec } from '../../contract/spec';
import { checkInvocation, describeEnd, lastLines, runOnce } from '../environments/run-once';
import { excerpt, type MetricProvider } from './provider';

export const commandProvider: MetricProvider<CommandMetricSpec> = {
  async read(name, config, ctx) {
    const vars = { ...ctx.vars, endpoint: ctx.endpoint ?? '' } as unknown as Record<string, string>;
    const call = checkInvocation(config, vars, ctx.specDir ?? process.cwd(), (env) =>
      ctx.resolveHeaders(env, `${name}.command.env`),
    );
    const result = await runOnce({ ...call, timeoutMs: parseDuration(config.timeout), signal: ctx.signal });
    if (result.ended !== 'exit' || result.code !== 0) {
      const tail = lastLines(result.output, 3);
      return {
        name,
        value: null,
        problem: `the command ${describeEnd(result, call.argv, config.timeout)}${tail ? `: ${excerpt(tail)}` : ''}`,
      };
    }
    const line = lastLines(result.stdout, 1).trim();
    if (line === '') return { name, value: null, problem: 'the command printed nothing on standard output' };
    const value = Number(line);
    if (!Number.isFinite(value))
      return { name, value: null, problem: `the last line of its output is not a number: "${excerpt(line, 60)}"` };
    return { name, value };
  },
};
