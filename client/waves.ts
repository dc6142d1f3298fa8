// Wave releases from the client's side: starting one, and filling in every target's weights and
// new color (from the target's own release) when its status is read.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { statusQuery, type ReleaseStatus } from '../workflows/messages';
import { ActionRefusedError } from './library/errors';
import type { WaveReleaseInput } from '../workflows/wave-messages';
import type { waveRelease } from '../workflows/wave-release';
import { releaseStartOptions } from './start-options';
import { ReleaseAlreadyRunningError } from './library/errors';
import type { Temporal } from './library/temporal';
import type { LoadedSpec } from './spec-file';

/** One wave release per service at a time; its targets keep their own ids (`bluegreen-<record>`). */
export function waveReleaseIdFor(service: string): string {
  return `bluegreen-waves-${service}`;
}

export async function startWaveRelease(
  t: Temporal,
  loaded: LoadedSpec,
  requestedBy: string,
  opts: { startDelayMs?: number } = {},
) {
  const plan = loaded.waves!;
  const id = waveReleaseIdFor(plan.service);
  const input: WaveReleaseInput = { plan, specDir: loaded.specDir, requestedBy };
  const targets = plan.waves.map((w) => `${w.name}: ${w.targets.map((x) => x.name).join(', ')}`).join(' → ');
  try {
    const searchable = { service: plan.service, version: plan.version, record: id };
    return await t.client.workflow.start<typeof waveRelease>('waveRelease', {
      ...(await releaseStartOptions(t, id, searchable, opts.startDelayMs)),
      args: [input],
      staticSummary: `${plan.service} ${plan.version} in waves: ${targets}`,
      staticDetails: `**${plan.service} ${plan.version}** wave by wave (${plan.onWaveFailure} on failure): ${targets}. Started by ${requestedBy}.`,
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    throw new ReleaseAlreadyRunningError(`the waves of ${plan.service}`, { id });
  }
}

/** A wave release's status with each target's weights and new color, read from its own release. */
export async function withTargetStatuses(t: Temporal, status: ReleaseStatus): Promise<ReleaseStatus> {
  if (!status.waves) return status;
  const waves = await Promise.all(
    status.waves.map(async (w) => ({
      ...w,
      targets: await Promise.all(
        w.targets.map(async (target) => {
          if (target.phase === 'pending' || target.phase === 'never-started') return target;
          const own = await t.connection
            .withDeadline(Date.now() + 5000, () => t.client.workflow.getHandle(target.id).query(statusQuery))
            .catch(() => undefined);
          if (!own) return target;
          // While it runs, the target's own phase says more (shifting, baking, ...) than "releasing".
          const phase = target.phase === 'releasing' && !own.result ? own.phase : target.phase;
          return { ...target, phase, weights: own.weights, newColor: own.newColor };
        }),
      ),
    })),
  );
  return { ...status, waves };
}

/**
 * What `status` shows of a wave release: its own status with every target's weights; a wave
 * release that was terminated (it never wrote its result) says what became of its targets.
 */
export async function waveStatus(t: Temporal, execution: string, status: ReleaseStatus): Promise<ReleaseStatus> {
  const shown = await withTargetStatuses(t, status);
  if (execution === 'RUNNING' || shown.result) return shown;
  const how = execution.toLowerCase().replace(/_/g, ' ');
  return {
    ...shown,
    phase: 'failed',
    result: {
      outcome: 'failed',
      reason: `the wave release was ${how} during ${status.phase}; its targets were cancelled with it and roll back on their own (each target's status says how it ended)`,
      needsHuman: [
        `check every target: ${shown.waves!.flatMap((w) => w.targets.filter((x) => x.phase !== 'pending' && x.phase !== 'never-started').map((x) => `bluegreen status ${x.id}`)).join(', ')}; \`bluegreen repair <record>\` for one that was terminated too`,
      ],
      liveColor: null,
      weights: { blue: 0, green: 0 },
    },
  };
}

/** Whether `id` names a wave release (whatever its state), so `repair` acts on its targets. */
export async function isWaveRelease(t: Temporal, id: string): Promise<boolean> {
  if (!id.startsWith('bluegreen-waves-')) return false;
  const d = await t.client.workflow
    .getHandle(id)
    .describe()
    .catch(() => undefined);
  return d?.type === 'waveRelease';
}

/**
 * The targets of an ended wave release whose own release ended without unwinding (terminated, timed
 * out): what `bluegreen repair <wave release id>` repairs, one by one. Refused while it runs.
 */
export async function targetsToRepair(t: Temporal, id: string): Promise<{ toRepair: string[]; fine: string[] }> {
  const handle = t.client.workflow.getHandle(id);
  const d = await handle.describe();
  if (d.status.name === 'RUNNING')
    throw new ActionRefusedError(
      'repair',
      id,
      `refused: wave release ${id} is running; \`bluegreen abort ${id} --reason "..."\` rolls every target back by itself`,
    );
  const status = await t.connection.withDeadline(Date.now() + 10_000, () => handle.query(statusQuery));
  const toRepair: string[] = [];
  const fine: string[] = [];
  for (const target of status.waves?.flatMap((w) => w.targets) ?? []) {
    if (target.phase === 'pending' || target.phase === 'never-started') continue;
    const own = await t.client.workflow
      .getHandle(target.id)
      .describe()
      .catch(() => undefined);
    if (own && own.type === 'release' && ['TERMINATED', 'TIMED_OUT'].includes(own.status.name))
      toRepair.push(target.id);
    else
      fine.push(
        `${target.name} (${target.id}): ${own ? own.status.name.toLowerCase().replace(/_/g, ' ') : 'not found'}`,
      );
  }
  return { toRepair, fine };
}
