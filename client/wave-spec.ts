// Reads a spec with `waves`: every target's spec is the top-level defaults with the target's own
// dns, router, environment, verify, traffic and decommission deep-merged over them, its name filled
// in for {target} / {{target}}, validated by the one release schema. Problems name the path where
// they are fixed: the target's (`waves[1].targets[0].dns.recordName`) or the top level's.
import { z } from 'zod';
import { releaseSpecSchema, wavesSchema, onWaveFailureSchema, type ReleaseSpec } from '../workflows/spec';
import { trafficTarget } from '../workflows/target';
import type { WavePlan, WavePlanStep } from '../workflows/wave-messages';

export interface WaveIssue {
  path: (string | number)[];
  message: string;
}

/** The fields a target may override; the rest are the same for every target. */
export const TARGET_FIELDS = ['dns', 'router', 'environment', 'verify', 'traffic', 'decommission'] as const;

/** Thrown with every problem of a wave spec; the caller formats the paths. */
export class WaveSpecError extends Error {
  constructor(readonly issues: WaveIssue[]) {
    super(issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n'));
  }
}

const shell = z.looseObject({ waves: wavesSchema, onWaveFailure: onWaveFailureSchema });

type Doc = Record<string, unknown>;
const isObject = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Objects merge key by key; lists and values of `over` replace those of `base`. */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (!isObject(base) || !isObject(over)) return over;
  const out: Doc = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v);
  return out;
}

/** Every string inside `value` with `placeholder` replaced. */
function fill(value: unknown, placeholder: string, text: string): unknown {
  if (typeof value === 'string') return value.split(placeholder).join(text);
  if (Array.isArray(value)) return value.map((v) => fill(v, placeholder, text));
  if (isObject(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v, placeholder, text)]));
  return value;
}

function at(doc: unknown, path: readonly PropertyKey[]): unknown {
  let cur = doc;
  for (const key of path) {
    if (!isObject(cur) && !Array.isArray(cur)) return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

/** The target's spec document: defaults, overrides, placeholders and BLUEGREEN_TARGET. */
export function targetDocument(top: Doc, target: Doc): Doc {
  const name = String(target.name);
  const merged: Doc = { ...top };
  delete merged.waves;
  delete merged.onWaveFailure;
  for (const key of TARGET_FIELDS) {
    const value = deepMerge(top[key], target[key]);
    if (value !== undefined) merged[key] = value;
  }
  // Where the target's name fits in: {target} beside {color} in names and commands, {{target}}
  // beside {{color}} in templates, and BLUEGREEN_TARGET in the environment of what bluegreen runs.
  for (const key of ['dns', 'router', 'environment'] as const)
    if (merged[key] !== undefined) merged[key] = fill(merged[key], '{target}', name);
  for (const key of ['verify', 'traffic'] as const)
    if (merged[key] !== undefined) merged[key] = fill(merged[key], '{{target}}', name);
  const withTarget = (holder: unknown): void => {
    if (isObject(holder)) holder.env = { ...(isObject(holder.env) ? holder.env : {}), BLUEGREEN_TARGET: name };
  };
  withTarget(merged.environment);
  withTarget(at(merged, ['verify', 'command']));
  const metrics = at(merged, ['traffic', 'analysis', 'metrics']);
  if (Array.isArray(metrics)) for (const m of metrics) withTarget(isObject(m) ? m.command : undefined);
  return merged;
}

/** Validates a spec document with `waves` and returns the plan every target's release follows. */
export function parseWaveSpec(document: unknown): { plan: WavePlan; first: ReleaseSpec } {
  const issues: WaveIssue[] = [];
  const seen = new Set<string>();
  const add = (path: (string | number)[], message: string) => {
    const key = `${path.join('.')}\u0000${message}`;
    if (!seen.has(key)) issues.push({ path, message });
    seen.add(key);
  };
  const parsedShell = shell.safeParse(document);
  if (!parsedShell.success) {
    for (const i of parsedShell.error.issues) add(i.path as (string | number)[], i.message);
    throw new WaveSpecError(issues);
  }
  const top = document as Doc;
  const { waves, onWaveFailure } = parsedShell.data;
  const recordName = at(top, ['dns', 'recordName']);
  if (typeof recordName === 'string' && !recordName.includes('{target}'))
    add(
      ['dns', 'recordName'],
      'with waves every target has its own record: give dns.recordName in each target (or use {target} in it, e.g. "{target}.shop.example.com")',
    );
  if (top.versionFrom !== undefined)
    add(['versionFrom'], 'a wave release releases one fixed version everywhere: give version instead');

  const steps: WavePlanStep[] = [];
  const names = new Map<string, string>();
  const keys = new Map<string, string>();
  let first: ReleaseSpec | undefined;
  waves.forEach((wave, w) => {
    const step: WavePlanStep = { name: wave.name, approval: wave.approval, targets: [] };
    if (wave.wait) step.wait = wave.wait;
    wave.targets.forEach((target, t) => {
      const where = ['waves', w, 'targets', t];
      const label = `waves[${w}].targets[${t}]`;
      const earlier = names.get(target.name);
      if (earlier) add([...where, 'name'], `duplicate target name "${target.name}" (also ${earlier})`);
      names.set(target.name, label);
      const doc = targetDocument(top, target as Doc);
      const result = releaseSpecSchema.safeParse(doc);
      if (!result.success) {
        for (const i of result.error.issues) {
          const paths =
            i.code === 'unrecognized_keys' ? i.keys.map((k) => [...i.path, k]) : [i.path as (string | number)[]];
          const message =
            i.code === 'unrecognized_keys'
              ? 'unknown key (check its spelling and level; `bluegreen schema` lists the keys)'
              : i.code === 'invalid_type' && at(doc, i.path) === undefined
                ? 'required: give it in this target, or at the top level for every target'
                : i.message;
          for (const p of paths) add(whereToFix(top, target as Doc, where, p as (string | number)[]), message);
        }
        return;
      }
      const spec = result.data;
      first ??= spec;
      const key = trafficTarget(spec).key;
      const other = keys.get(key);
      if (other)
        add(
          [...where, spec.router ? 'router' : 'dns'],
          `${trafficTarget(spec).name} is also the target of ${other}: every target needs its own record or router target`,
        );
      keys.set(key, label);
      step.targets.push({ name: target.name, spec });
    });
    steps.push(step);
  });
  if (issues.length || !first) throw new WaveSpecError(issues);
  return {
    first,
    plan: {
      service: first.service,
      version: first.version ?? '',
      onWaveFailure: onWaveFailure ?? 'rollback-all',
      finalDelay: first.decommission.delay,
      approvalTimeout: first.approval.timeout,
      approvalOnTimeout: first.approval.onTimeout,
      waves: steps,
    },
  };
}

/**
 * Where a problem of a target's merged spec is fixed: in the target when it gave the value (or
 * when nobody did, for a field a target may give), else at the top level.
 */
function whereToFix(top: Doc, target: Doc, where: (string | number)[], path: (string | number)[]): (string | number)[] {
  const field = path[0];
  if (!(TARGET_FIELDS as readonly unknown[]).includes(field)) return path;
  if (at(target, path) !== undefined) return [...where, ...path];
  if (at(top, path) !== undefined) return path;
  return [...where, ...path];
}
