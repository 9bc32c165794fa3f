import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CENSOR, redactSensitive } from '../src/logging/redaction.ts';

test('sensitive values are censored at the top level, one level down and in headers, without touching the input', () => {
  const input = {
    password: 'hunter2',
    Token: 't',
    user: { name: 'ada', secret: 's' },
    req: { headers: { authorization: 'Bearer x', cookie: 'a=b', 'set-cookie': ['c=d'], accept: '*/*' } },
  };
  const snapshot = structuredClone(input);
  const out = redactSensitive(input) as typeof input;
  assert.deepEqual(input, snapshot, 'the caller keeps its object');
  assert.equal(out.password, CENSOR);
  assert.equal(out.Token, CENSOR);
  assert.deepEqual(out.user, { name: 'ada', secret: CENSOR });
  assert.deepEqual(out.req.headers, { authorization: CENSOR, cookie: CENSOR, 'set-cookie': CENSOR, accept: '*/*' });
});

test('an object with nothing sensitive is returned as it is, and non-plain values are not walked', () => {
  const buffer = Buffer.from('password');
  const input = { order_id: 7, items: [{ password: 'in an array: not walked' }], body: buffer, when: new Date(0) };
  assert.equal(redactSensitive(input), input);
  const deep = { a: { b: { c: { password: 'three levels down is out of scope' } } } };
  assert.equal(redactSensitive(deep), deep);
});
