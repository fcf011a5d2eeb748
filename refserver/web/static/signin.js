// signin.js: signing in to the server with a wallet, in the page.
//
// The server hands out a challenge; the page signs its message with the
// wallet's key and trades the signature for a session (an HttpOnly
// cookie, and a CSRF token this tab keeps in sessionStorage). The key is
// used here only: a keypair file's bytes are signed with in the page
// (vendored @noble/ed25519) and zeroed at once; a wallet extension signs
// with its own key and never shows it. Nothing secret is stored.

import * as ed from './vendor/noble-ed25519/index.js';
import { APIError, apiFetch, setCSRFToken } from './api.js';

const alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** base58 encodes bytes as Solana writes addresses. */
export function base58(bytes) {
  const digits = []; // base 58, least significant first
  for (const b of bytes) {
    let carry = b;
    for (let i = 0; i < digits.length; i++) {
      carry += digits[i] * 256;
      digits[i] = carry % 58;
      carry = Math.floor(carry / 58);
    }
    for (; carry > 0; carry = Math.floor(carry / 58)) {
      digits.push(carry % 58);
    }
  }
  let out = '';
  for (const b of bytes) {
    if (b !== 0) break;
    out += '1';
  }
  for (let i = digits.length - 1; i >= 0; i--) {
    out += alphabet[digits[i]];
  }
  return out;
}

/** base64 encodes bytes in standard base64, as the server reads []byte. */
function base64(bytes) {
  return btoa(String.fromCharCode(...bytes));
}

/**
 * signInMessage is the text a wallet signs to sign in: the server's
 * api.SignInMessage, which the page checks a challenge against before it
 * signs, so that the key signs nothing else a server hands it. expires is
 * an RFC 3339 time.
 */
export function signInMessage(server, wallet, nonce, expires) {
  const at = new Date(expires).toISOString().replace(/\.\d+Z$/, 'Z');
  return `iog sign-in\nserver: ${server}\nwallet: ${wallet}\nnonce: ${nonce}\nexpires: ${at}`;
}

/**
 * parseKeypairFile reads a Solana CLI keypair file's text (a JSON array
 * of 64 numbers: the secret seed, then the public key) into its bytes.
 */
export function parseKeypairFile(text) {
  let nums;
  try {
    nums = JSON.parse(text);
  } catch {
    throw new Error('not a Solana keypair file: not JSON');
  }
  return keypairOf(nums);
}

// keypairOf copies a keypair's 64 bytes, refusing anything else.
function keypairOf(nums) {
  if (nums == null || nums.length !== 64 || !Array.from(nums).every((n) => Number.isInteger(n) && n >= 0 && n <= 255)) {
    throw new Error('not a Solana keypair: want 64 numbers from 0 to 255 (the file solana-keygen writes)');
  }
  return Uint8Array.from(nums);
}

/**
 * walletOfKeypair returns a keypair's wallet address, having checked
 * that its public half is its seed's: a damaged file is refused here,
 * not by the server.
 */
export async function walletOfKeypair(keypair) {
  const pair = keypairOf(keypair);
  try {
    const pub = await ed.getPublicKeyAsync(pair.subarray(0, 32));
    if (!pub.every((b, i) => b === pair[32 + i])) {
      throw new Error('the keypair is damaged: its public key is not its secret key\'s');
    }
    return base58(pub);
  } finally {
    pair.fill(0);
  }
}

/** signWithKeypair returns a keypair's ed25519 signature of message. */
export async function signWithKeypair(keypair, message) {
  const pair = keypairOf(keypair);
  try {
    return await ed.signAsync(message, pair.subarray(0, 32));
  } finally {
    pair.fill(0);
  }
}

// signInAs runs the protocol for wallet, sign signing the message's bytes.
async function signInAs(wallet, sign) {
  const ch = await apiFetch('/v1/sessions/challenge', { method: 'POST', body: { wallet } });
  if (ch.wallet !== wallet || ch.message !== signInMessage(globalThis.location.host, wallet, ch.nonce, ch.expires)) {
    throw new Error(`the server's challenge is not a sign-in to ${globalThis.location.host} as ${wallet}; not signing it`);
  }
  const signature = await sign(new TextEncoder().encode(ch.message));
  const session = await apiFetch('/v1/sessions', { method: 'POST', body: { wallet, nonce: ch.nonce, signature: base64(signature) } });
  setCSRFToken(session.csrf);
  return session;
}

/**
 * signIn signs in with a Solana keypair's bytes (parseKeypairFile's), and
 * resolves to the session (api.Session's JSON). The bytes given are
 * zeroed, signed in or not: the page keeps no key.
 */
export async function signIn(keypairBytes) {
  let pair;
  try {
    pair = keypairOf(keypairBytes);
  } finally {
    keypairBytes?.fill?.(0);
  }
  try {
    const wallet = await walletOfKeypair(pair);
    return await signInAs(wallet, (message) => signWithKeypair(pair, message));
  } finally {
    pair.fill(0);
  }
}

/**
 * signInWithWallet signs in with a wallet that signs messages: a Wallet
 * Standard wallet (feature "solana:signMessage"), or an injected
 * provider such as Phantom's window.solana (connect, signMessage). The
 * wallet asks its user to approve the message, which says what it is for.
 */
export async function signInWithWallet(provider) {
  const standard = provider?.features?.['solana:signMessage'];
  if (standard) {
    let account = provider.accounts?.[0];
    if (!account) {
      [account] = (await provider.features['standard:connect'].connect()).accounts;
    }
    if (!account) {
      throw new Error('the wallet shares no account');
    }
    return signInAs(base58(Uint8Array.from(account.publicKey)), async (message) => {
      const [out] = await standard.signMessage({ account, message });
      return out.signature;
    });
  }
  if (typeof provider?.signMessage !== 'function') {
    throw new Error('this wallet cannot sign messages');
  }
  if (!provider.publicKey) {
    await provider.connect();
  }
  const pub = provider.publicKey;
  return signInAs(base58(pub.toBytes ? pub.toBytes() : Uint8Array.from(pub)), async (message) => {
    return (await provider.signMessage(message, 'utf8')).signature;
  });
}

/**
 * signOut ends the session and forgets its CSRF token. A session that
 * had ended already (expired, or signed out in another tab) is signed out.
 */
export async function signOut() {
  try {
    await apiFetch('/v1/sessions/current', { method: 'DELETE' });
  } catch (e) {
    if (!(e instanceof APIError && e.status === 401)) {
      throw e;
    }
  }
  setCSRFToken(null);
}
