// node --test refserver/web/static/signin_test.mjs
//
// The page's signing against Go's: iogsdk/api's TestSignInVector writes
// the vector (a keypair, its wallet, a sign-in message and Go's
// signature of it). The protocol runs against a stand-in fetch.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { beforeEach, test } from 'node:test';

import { apiFetch, APIError, csrfToken } from './api.js';
import { base58, parseKeypairFile, signIn, signInMessage, signInWithWallet, signOut, signWithKeypair, walletOfKeypair } from './signin.js';

const vector = JSON.parse(await readFile(new URL('../../../iogsdk/api/testdata/signin_vector.json', import.meta.url), 'utf8'));
const signature = Uint8Array.from(Buffer.from(vector.signature, 'base64'));
const message = new TextEncoder().encode(vector.message);

// A tab: its sessionStorage and location, and a server answering calls
// from handlers by "METHOD path"; calls records what was sent.
let calls;
function serve(handlers) {
  globalThis.fetch = async (path, init) => {
    calls.push({ path, ...init, body: init.body && JSON.parse(init.body) });
    const h = handlers[`${init.method} ${path}`];
    const [status, body] = h ? h(calls.at(-1)) : [404, { error: { kind: 'not_found', message: `no route ${path}` } }];
    return new Response(JSON.stringify(body), { status });
  };
}
beforeEach(() => {
  calls = [];
  const kept = new Map();
  globalThis.sessionStorage = { getItem: (k) => kept.get(k) ?? null, setItem: (k, v) => kept.set(k, String(v)), removeItem: (k) => kept.delete(k) };
  globalThis.location = { host: vector.server };
});

const session = { id: '0123456789abcdef', wallet: vector.wallet, created: '2026-06-01T12:00:00Z', expires: '2026-06-01T12:30:00Z', csrf: 'csrf-token' };
const challenge = { wallet: vector.wallet, nonce: vector.nonce, message: vector.message, expires: vector.expires };
function signInServer(onSession) {
  serve({
    'POST /v1/sessions/challenge': () => [201, challenge],
    'POST /v1/sessions': (call) => {
      onSession?.(call);
      return [201, session];
    },
    'DELETE /v1/sessions/current': () => [200, session],
  });
}

test('signs as Go signs', async () => {
  assert.equal(await walletOfKeypair(vector.keypair), vector.wallet);
  assert.deepEqual(await signWithKeypair(vector.keypair, message), signature);
  assert.equal(signInMessage(vector.server, vector.wallet, vector.nonce, vector.expires), vector.message);
});

test('base58', () => {
  for (const [bytes, want] of [[[], ''], [[0], '1'], [[0, 0, 1], '112'], [[255], '5Q'], [new Array(32).fill(0), '1'.repeat(32)]]) {
    assert.equal(base58(Uint8Array.from(bytes)), want, JSON.stringify(bytes));
  }
});

test('keypair files', async () => {
  assert.deepEqual(parseKeypairFile(JSON.stringify(vector.keypair)), Uint8Array.from(vector.keypair));
  for (const bad of ['', 'not json', '{}', '[1,2,3]', JSON.stringify([...vector.keypair.slice(1), 256]), JSON.stringify([...vector.keypair.slice(1), 1.5])]) {
    assert.throws(() => parseKeypairFile(bad), /not a Solana keypair/, bad);
  }
  const damaged = [...vector.keypair];
  damaged[40] ^= 1;
  await assert.rejects(walletOfKeypair(damaged), /damaged/);
});

test('signIn signs the challenge, keeps the CSRF token and zeroes the key', async () => {
  let sent;
  signInServer((call) => (sent = call.body));
  const keypair = Uint8Array.from(vector.keypair);
  assert.deepEqual(await signIn(keypair), session);
  assert.deepEqual(sent, { wallet: vector.wallet, nonce: vector.nonce, signature: vector.signature });
  assert.ok(keypair.every((b) => b === 0), 'the key bytes were not zeroed');
  assert.equal(csrfToken(), 'csrf-token');

  // Mutations carry the CSRF token and a fresh idempotency key.
  await signOut();
  const del = calls.at(-1);
  assert.equal(del.headers['X-IOG-CSRF'], 'csrf-token');
  assert.match(del.headers['Idempotency-Key'], /^[A-Za-z0-9_-]{24}$/);
  assert.equal(csrfToken(), null);
});

test('signIn refuses to sign what is not its sign-in', async () => {
  for (const [name, ch] of [
    ['another server', { ...challenge, message: vector.message.replace(vector.server, 'evil.example') }],
    ['another wallet', { ...challenge, wallet: base58(new Uint8Array(32)) }],
    ['a request to sign', { ...challenge, message: 'IOG-SIG-1\nPOST\n/v1/withdrawals' }],
  ]) {
    calls = [];
    serve({ 'POST /v1/sessions/challenge': () => [201, ch] });
    await assert.rejects(signIn([...vector.keypair]), /not signing it/, name);
    assert.equal(calls.length, 1, name);
  }
});

test('signInWithWallet: an injected provider and a Wallet Standard wallet', async () => {
  const pub = Uint8Array.from(vector.keypair.slice(32));
  const sign = (m) => signWithKeypair(vector.keypair, m);
  let sent;
  signInServer((call) => (sent = call.body));
  const phantom = { publicKey: null, connect: async () => (phantom.publicKey = { toBytes: () => pub }), signMessage: async (m, enc) => ({ signature: await sign(m), enc }) };
  assert.deepEqual(await signInWithWallet(phantom), session);
  assert.equal(sent.signature, vector.signature);

  sent = undefined;
  const account = { address: vector.wallet, publicKey: pub };
  const standard = {
    accounts: [],
    features: {
      'standard:connect': { connect: async () => ({ accounts: [account] }) },
      'solana:signMessage': { signMessage: async ({ account: a, message: m }) => [{ signedMessage: m, signature: await sign(m), a }] },
    },
  };
  assert.deepEqual(await signInWithWallet(standard), session);
  assert.equal(sent.signature, vector.signature);
  await assert.rejects(signInWithWallet({}), /cannot sign messages/);
});

test('apiFetch answers the server\'s error message', async () => {
  serve({ 'PATCH /v1/devices/d': () => [403, { error: { kind: 'forbidden', message: 'needs header X-IOG-CSRF' } }] });
  await assert.rejects(apiFetch('/v1/devices/d', { method: 'PATCH', body: { name: 'x' } }), (e) => {
    assert.ok(e instanceof APIError);
    assert.deepEqual([e.message, e.kind, e.status], ['needs header X-IOG-CSRF', 'forbidden', 403]);
    return true;
  });
  assert.equal(calls[0].headers['Content-Type'], 'application/json');
  assert.equal(calls[0].headers['X-IOG-CSRF'], undefined, 'no session, no CSRF token');

  // A signed-out session is signed out; another failure is the caller's.
  serve({ 'DELETE /v1/sessions/current': () => [401, { error: { kind: 'unauthorized', message: 'sign in again' } }] });
  await signOut();
  globalThis.fetch = async () => new Response('<html>bad gateway</html>', { status: 502 });
  await assert.rejects(signOut(), /HTTP 502/);
});
