// CLI bundle only: protobufjs's start-up work for the Temporal API, moved out of each command.
// client/bundle-cli.ts writes the bundle's copy of @temporalio/proto so that it calls
// `speedUpProtobuf` before building the API's reflection. Three costs go:
//
// - Service#create resolves every RPC of a service and generates the classes of its request and
//   response messages before returning: for WorkflowService a few hundred generated classes, for
//   the two or three RPCs a verb sends. Here each RPC resolves on its first call.
// - A message type generates its class, encoder and decoder as JavaScript source on first use and
//   compiles it with `Function`: V8's code cache never sees that code, so every command paid for
//   generating and compiling it again. The build generates them once (`precompiledCodecsModule`)
//   into the bundle, where the code cache keeps them; at run time a message type takes them from
//   there: the very code protobufjs would have generated (same generator, same definitions).
// - The same setup also generates a verifier and two converters that a command hardly ever calls
//   (none of the operator verbs does): they are generated on their first call instead.
import type * as protobuf from 'protobufjs/light';

type ProtobufLight = typeof protobuf;
type Scope = Record<string, unknown>;
/** A precompiled function's factory: takes the values of the generator's scope, returns the function. */
type Factory = (...scope: unknown[]) => unknown;
/**
 * Precompiled functions by message type (full name), each type's behind a function of its own so
 * that V8 compiles only the types a command uses; within a type by `<step><place>|<parameters>`.
 */
export type PrecompiledCodecs = Record<string, () => Record<string, Factory>>;

type Codegen = ((formatOrScope?: string | Scope, ...params: unknown[]) => unknown) & { toString(): string };
type CodegenFn = ((params?: string[] | string, name?: string) => Codegen) & { verbose?: boolean };
type TypeStatics = typeof protobuf.Type & { generateConstructor(type: protobuf.Type): Codegen };

/** What setup generates in places 2 to 4 (verify, fromObject, toObject): plain functions, called, never constructed. */
const deferredPlace = /^setup[234]\|/;
/** What the bundle carries precompiled: the class (`class0`), encoder and decoder (`setup0`, `setup1`). */
const precompiledPlace = /^(class0|setup[01])\|/;

export function speedUpProtobuf($protobuf: ProtobufLight, precompiled: PrecompiledCodecs | undefined): void {
  indexFieldsAsAdded($protobuf);
  createServicesLazily($protobuf);
  if (precompiled) takeCodecsFrom($protobuf, precompiled);
}

/**
 * Type#add checks a new field's id against an index of the type's fields by id, which every add
 * then drops: building a type rebuilt that index once per field (quadratic; a fifth of building the
 * API's reflection). Here the index of the fields added so far is kept and handed back to each add,
 * which so makes the same check, and throws the same error, without rebuilding it.
 */
function indexFieldsAsAdded($protobuf: ProtobufLight): void {
  const { Type, Field } = $protobuf;
  type Indexed = protobuf.Type & { _fieldsById: Record<number, protobuf.Field> | null };
  const indexes = new WeakMap<protobuf.Type, Record<number, protobuf.Field>>();
  const { add, remove } = Type.prototype;
  Type.prototype.add = function (this: Indexed, object: protobuf.ReflectionObject) {
    if (!(object instanceof Field) || object.extend !== undefined) return add.call(this, object);
    const index = indexes.get(this);
    if (index && !this._fieldsById) this._fieldsById = index;
    const result = add.call(this, object);
    // Added (not refused, not skipped as `__proto__`): the index takes it.
    if (this.fields[object.name] === object) {
      if (index) index[object.id] = object;
      else indexes.set(this, Object.fromEntries(Object.values(this.fields).map((f) => [f.id, f])));
    }
    return result;
  };
  Type.prototype.remove = function (this: Indexed, object: protobuf.ReflectionObject) {
    indexes.delete(this);
    return remove.call(this, object);
  };
}

function createServicesLazily($protobuf: ProtobufLight): void {
  const { Service, rpc, util } = $protobuf;
  const rpcCall = (rpc.Service.prototype as unknown as { rpcCall: (...args: unknown[]) => unknown }).rpcCall;
  Service.prototype.create = function create(
    this: protobuf.Service,
    rpcImpl: protobuf.RPCImpl,
    requestDelimited?: boolean,
    responseDelimited?: boolean,
  ): protobuf.rpc.Service {
    const service = new rpc.Service(rpcImpl, requestDelimited, responseDelimited) as unknown as Record<string, unknown>;
    for (const method of this.methodsArray) {
      service[util.lcFirst(method.name).replace(/[^$\w_]/g, '')] = function rpcMethod(
        this: protobuf.rpc.Service,
        request: unknown,
        callback?: protobuf.RPCImplCallback,
      ) {
        method.resolve();
        const { resolvedRequestType, resolvedResponseType } = method;
        return rpcCall.call(this, method, resolvedRequestType!.ctor, resolvedResponseType!.ctor, request, callback);
      };
    }
    return service as unknown as protobuf.rpc.Service;
  };
}

/**
 * Calls `onCodegen(key, codegen)` for every function protobufjs generates for a message type,
 * where `key` names the type and the function; returns the codegen to use instead.
 */
function interceptCodegen(
  $protobuf: ProtobufLight,
  onCodegen: (type: string, place: string, real: CodegenFn, params?: string[] | string, name?: string) => Codegen,
): () => void {
  const util = $protobuf.util as unknown as { codegen: CodegenFn };
  const Type = $protobuf.Type as TypeStatics;
  const realCodegen = util.codegen;
  // protobufjs names neither the type nor the function it generates: the key is the type, the
  // step (setup or class) and the place of the function in it, with its parameters.
  let current: { type: protobuf.Type; step: string; count: number } | undefined;
  const within = <T>(type: protobuf.Type, step: string, run: () => T): T => {
    const outer = current;
    current = { type, step, count: 0 };
    try {
      return run();
    } finally {
      current = outer;
    }
  };
  const setup = Type.prototype.setup;
  Type.prototype.setup = function (this: protobuf.Type) {
    return within(this, 'setup', () => setup.call(this));
  };
  const generateConstructor = Type.generateConstructor;
  Type.generateConstructor = (type) => within(type, 'class', () => generateConstructor(type));
  const codegen: CodegenFn = (params, name) => {
    if (!current || typeof params === 'string' || name !== undefined) return realCodegen(params, name);
    const place = `${current.step}${current.count++}|${(params ?? []).join(',')}`;
    return onCodegen(current.type.fullName, place, realCodegen, params, name);
  };
  codegen.verbose = realCodegen.verbose;
  util.codegen = codegen;
  return () => {
    util.codegen = realCodegen;
    Type.prototype.setup = setup;
    Type.generateConstructor = generateConstructor;
  };
}

function takeCodecsFrom($protobuf: ProtobufLight, precompiled: PrecompiledCodecs): void {
  const byType = new Map<string, Record<string, Factory>>();
  const has = (o: object, key: string) => Object.prototype.hasOwnProperty.call(o, key);
  interceptCodegen($protobuf, (type, place, real, params, name) => {
    if (deferredPlace.test(place)) return deferredCodegen(real, params, name);
    let codecs = byType.get(type);
    if (!codecs && has(precompiled, type)) byType.set(type, (codecs = precompiled[type]()));
    const factory = codecs && has(codecs, place) ? codecs[place] : undefined;
    if (!factory) return real(params, name);
    // The generator still appends its lines (ignored here); the finishing call gets the
    // precompiled function, bound to the same scope values the generated one would get.
    const stub = ((formatOrScope?: string | Scope) => {
      if (typeof formatOrScope === 'string') return stub;
      return factory(...Object.values(formatOrScope ?? {}));
    }) as Codegen;
    return stub;
  });
}

/** A codegen that keeps the generator's lines and generates the function on its first call. */
function deferredCodegen(real: CodegenFn, params?: string[] | string, name?: string): Codegen {
  const lines: unknown[][] = [];
  const deferred = ((formatOrScope?: string | Scope, ...rest: unknown[]) => {
    if (typeof formatOrScope === 'string') {
      lines.push([formatOrScope, ...rest]);
      return deferred;
    }
    let generated: ((...args: unknown[]) => unknown) | undefined;
    return function (this: unknown, ...args: unknown[]) {
      if (!generated) {
        const gen = real(params, name);
        for (const [format, ...values] of lines) gen(format as string, ...values);
        generated = gen(formatOrScope) as (...args: unknown[]) => unknown;
      }
      return generated.apply(this, args);
    };
  }) as Codegen;
  return deferred;
}

/**
 * Build time: the source of a CommonJS module exporting the class, encoder and decoder protobufjs
 * generates for each message type under `root`, as `PrecompiledCodecs`. Calls each type's setup,
 * so use a root of its own.
 */
export function precompiledCodecsModule($protobuf: ProtobufLight, root: protobuf.NamespaceBase): string {
  const entries = new Map<string, Map<string, string>>();
  const restore = interceptCodegen($protobuf, (type, place, real, params, name) => {
    const gen = real(params, name);
    const recording = ((formatOrScope?: string | Scope, ...rest: unknown[]) => {
      if (typeof formatOrScope === 'string') {
        gen(formatOrScope, ...rest);
        return recording;
      }
      const scope = Object.keys(formatOrScope ?? {});
      // What codegen compiles: Function(...scope, 'return ' + source)(...values).
      if (precompiledPlace.test(place)) {
        if (!entries.has(type)) entries.set(type, new Map());
        entries.get(type)!.set(place, `function (${scope.join(', ')}) {\nreturn ${gen.toString()}\n}`);
      }
      return gen(formatOrScope);
    }) as Codegen;
    return recording;
  });
  const types: protobuf.Type[] = [];
  const collect = (ns: protobuf.NamespaceBase) => {
    for (const nested of ns.nestedArray) {
      if (nested instanceof $protobuf.Type) types.push(nested);
      if (nested instanceof $protobuf.Namespace) collect(nested);
    }
  };
  collect(root);
  try {
    for (const type of types) {
      void type.ctor;
      type.setup();
    }
  } finally {
    restore();
  }
  const typeEntry = ([type, places]: [string, Map<string, string>]) =>
    `${JSON.stringify(type)}: function () {\nreturn {\n${[...places].map(([place, fn]) => `${JSON.stringify(place)}: ${fn}`).join(',\n')}\n};\n}`;
  // No "use strict": the functions behave as protobufjs's Function-compiled ones (sloppy, no closure).
  return `module.exports = {\n${[...entries].map(typeEntry).join(',\n')}\n};\n`;
}
