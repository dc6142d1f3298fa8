// The one ${env:} resolver and redactor every role uses: what a reference means, and what is hidden.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  MissingEnvError,
  redactError,
  redactor,
  referencedSecrets,
  resolveEnvReferences,
} from '../../activities/secrets';

const worker = { TOKEN: 'tok-123456', PIN: 'ab', LONG: 'tok-123456-and-more' };

describe('secrets', () => {
  it('resolves references inside values and names the field of a missing variable', () => {
    assert.deepEqual(resolveEnvReferences({ auth: 'Bearer ${env:TOKEN}' }, worker, 'web.headers'), {
      auth: 'Bearer tok-123456',
    });
    assert.throws(
      () => resolveEnvReferences({ auth: '${env:NOPE}' }, worker, 'web.headers'),
      (err: Error) =>
        err instanceof MissingEnvError &&
        err.name === 'MissingEnvironmentVariable' &&
        err.message === "web.headers.auth references ${env:NOPE}, but NOPE is not set in the worker's environment",
    );
  });

  it('hides every referenced value, however short, the longest first', () => {
    const secrets = referencedSecrets({ a: '${env:TOKEN}', b: 'x${env:PIN}', c: '${env:LONG}', d: undefined }, worker);
    const redact = redactor(secrets);
    assert.equal(redact('tok-123456-and-more, tok-123456, ab'), '***, ***, ***');
    assert.equal(redactor([])('tok-123456'), 'tok-123456');
  });

  it('redacts an error chain in place', () => {
    const err = new Error('outer tok-123456', { cause: new Error('inner tok-123456') });
    redactError(err, redactor(['tok-123456']));
    assert.equal(err.message, 'outer ***');
    assert.equal((err.cause as Error).message, 'inner ***');
    assert.ok(!err.stack?.includes('tok-123456'));
  });
});
