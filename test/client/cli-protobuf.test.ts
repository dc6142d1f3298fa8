// The CLI bundle's protobufjs start-up shortcuts (client/cli-protobuf.ts) and its ASCII source
// (client/bundle-cli.ts) change how fast a verb starts, never what it sends or prints: the same
// bytes on the wire, the same messages decoded, the same errors, the same strings.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { asciiSource, bundledProtobuf, clientProtoDefinitions, CLI_BUNDLE_PATH } from '../../client/bundle-cli';
import { precompiledCodecsModule, speedUpProtobuf, type PrecompiledCodecs } from '../../client/cli-protobuf';

// This file patches the protobufjs it loads (as the bundle does): nothing else here uses it.
const $protobuf = bundledProtobuf();
const definitions = clientProtoDefinitions();
const freshRoot = () => new $protobuf.Root().addJSON(structuredClone(definitions) as never);

const describeResponse = {
  executionConfig: { taskQueue: { name: 'bluegreen', kind: 1 }, workflowRunTimeout: { seconds: 3600, nanos: 5 } },
  workflowExecutionInfo: {
    execution: { workflowId: 'bluegreen-shop.example.com', runId: 'r-1' },
    type: { name: 'release' },
    status: 1,
    historyLength: 42,
    searchAttributes: {
      indexedFields: {
        BlueGreenPhase: { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('"shifting"') },
      },
    },
  },
  pendingActivities: [
    {
      activityId: '7',
      attempt: 3,
      lastFailure: { message: 'Throttling', applicationFailureInfo: { type: 'Throttling' } },
    },
  ],
};
const typeNames = [
  'temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse',
  'temporal.api.workflowservice.v1.UpdateWorkflowExecutionRequest',
  'temporal.api.history.v1.HistoryEvent',
];

// Before any patch: what plain protobufjs encodes and decodes.
const plain = freshRoot();
const plainBytes = plain.lookupType(typeNames[0]).encode(describeResponse).finish();
const plainDecoded = plain
  .lookupType(typeNames[0])
  .toObject(plain.lookupType(typeNames[0]).decode(plainBytes), { longs: String });

// Build time, then run time, as in the bundle.
const source = precompiledCodecsModule($protobuf, freshRoot());
const compiled = { exports: {} as PrecompiledCodecs };
new Function('module', source)(compiled);
speedUpProtobuf($protobuf, compiled.exports);
const fast = freshRoot();

describe('CLI bundle protobuf', () => {
  it('carries the class, encoder and decoder of every message type, each type behind its own function', () => {
    const types = Object.keys(compiled.exports);
    assert.ok(types.includes('.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse'));
    assert.ok(types.length > 500, `${types.length} types`);
    const places = Object.keys(compiled.exports['.temporal.api.common.v1.Payload']()).sort();
    assert.deepEqual(places, ['class0|p', 'setup0|m,w,q', 'setup1|r,l,z,q,g']);
  });

  it('encodes and decodes as plain protobufjs does, with the precompiled functions', () => {
    const type = fast.lookupType(typeNames[0]);
    const bytes = type.encode(describeResponse).finish();
    assert.deepEqual(Buffer.from(bytes), Buffer.from(plainBytes));
    assert.deepEqual(type.toObject(type.decode(bytes), { longs: String }), plainDecoded);
    // The encoder is the precompiled one: the same source as the generated one, not compiled here.
    assert.equal(type.encode.toString(), plain.lookupType(typeNames[0]).encode.toString());
  });

  it('generates verify and the converters on first call, with their usual answers', () => {
    const type = fast.lookupType(typeNames[1]);
    assert.equal(type.verify({ namespace: 'default' }), null);
    assert.equal(type.verify({ namespace: 7 }), 'namespace: string expected');
    const message = type.fromObject({ namespace: 'default', request: { meta: { updateId: 'u' } } });
    assert.deepEqual(type.toObject(message), { namespace: 'default', request: { meta: { updateId: 'u' } } });
    const event = fast.lookupType(typeNames[2]);
    assert.equal(event.verify({ eventId: 'x' }), 'eventId: integer|Long expected');
  });

  it('creates services whose methods resolve on first call and send the same bytes', async () => {
    const service = fast.lookupService('temporal.api.workflowservice.v1.WorkflowService');
    const sent: Uint8Array[] = [];
    const rpc = service.create(
      (_method, request, callback) => {
        sent.push(request);
        callback(null, plainBytes);
      },
      false,
      false,
    ) as unknown as Record<string, (req: object) => Promise<unknown>>;
    assert.equal(typeof rpc.startWorkflowExecution, 'function');
    assert.equal(typeof rpc.pollWorkflowTaskQueue, 'function');
    const answer = await rpc.describeWorkflowExecution({ namespace: 'default', execution: { workflowId: 'w' } });
    const request = plain.lookupType('temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest');
    assert.deepEqual(
      Buffer.from(sent[0]),
      Buffer.from(request.encode({ namespace: 'default', execution: { workflowId: 'w' } }).finish()),
    );
    assert.deepEqual(fast.lookupType(typeNames[0]).toObject(answer as never, { longs: String }), plainDecoded);
  });

  it('still refuses a field id used twice, as Type#add does', () => {
    const type = new $protobuf.Type('Twice').add(new $protobuf.Field('a', 1, 'string'));
    assert.throws(() => type.add(new $protobuf.Field('b', 1, 'string')), /duplicate id 1 in Type Twice/);
    type.remove(type.fields.a);
    type.add(new $protobuf.Field('b', 1, 'string'));
    assert.deepEqual(Object.keys(type.fieldsById), ['1']);
  });
});

describe('CLI bundle source', () => {
  it('writes non-ASCII characters as escapes JavaScript reads back unchanged', () => {
    for (const snippet of ['"blue → green ✓"', '`${1} █ 😀`', '"\\é"', '"\\\\é"', 'var café = 2; café']) {
      const ascii = asciiSource(snippet);
      assert.doesNotMatch(ascii, /[\u0080-\uffff]/);
      assert.equal(eval(ascii), eval(snippet));
    }
  });

  it('is ASCII once built (the launcher reads it as latin1)', () => {
    const outside = readFileSync(CLI_BUNDLE_PATH, 'latin1').match(/[\u0080-\u00ff]/);
    assert.equal(outside, null);
  });
});
