// rpc.test.mjs: node --test tests of rpc.mjs, run as a child process the
// way the Go tests run it, through HTTP.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { b58decode, b58encode } from "./rpc.mjs";
import * as tk from "./txkit.mjs";

const RPC = path.join(path.dirname(fileURLToPath(import.meta.url)), "rpc.mjs");
const LAMPORTS = 1_000_000_000;

/** start runs rpc.mjs with args and resolves once it prints its address. */
function start(args = [], stdin = "ignore") {
  const proc = spawn(process.execPath, [RPC, "--port", "0", ...args], { stdio: [stdin, "pipe", "pipe"] });
  let stderr = "";
  proc.stderr.on("data", (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`rpc.mjs did not start: ${stderr}`)), 20000);
    let out = "";
    proc.stdout.on("data", (d) => {
      out += d;
      const m = /^listening (http:\/\/\S+)\n/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(server(m[1], proc, () => stderr));
      }
    });
    proc.on("exit", (code) => reject(new Error(`rpc.mjs exited ${code}: ${stderr}`)));
  });
}

function server(url, proc, stderr) {
  let id = 0;
  const post = async (body) => {
    const res = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body });
    const text = await res.text();
    return { status: res.status, text, json: text ? JSON.parse(text) : undefined };
  };
  const raw = async (method, params) => (await post(JSON.stringify({ jsonrpc: "2.0", id: `id-${++id}`, method, params }))).json;
  const rpc = async (method, params) => {
    const res = await raw(method, params);
    if (res.error) throw Object.assign(new Error(`${method}: ${res.error.message}`), { rpc: res.error });
    return res.result;
  };
  const kill = (signal = "SIGKILL") =>
    new Promise((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
      proc.removeAllListeners("exit");
      proc.once("exit", resolve);
      proc.kill(signal);
    });
  return { url, proc, post, raw, rpc, kill, stderr };
}

async function rpcError(promise) {
  try {
    await promise;
  } catch (e) {
    if (e.rpc) return e.rpc;
    throw e;
  }
  assert.fail("expected a JSON-RPC error");
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const blockhash = async (s) => (await s.rpc("getLatestBlockhash", [{ commitment: "finalized" }])).value.blockhash;
const balance = async (s, a) => (await s.rpc("getBalance", [a])).value;
const tmpdir = () => fs.mkdtempSync(path.join(os.tmpdir(), "litesvm-rpc-"));

async function funded(s, lamports = 10 * LAMPORTS) {
  const kp = await tk.signer();
  await s.rpc("requestAirdrop", [kp.address, lamports]);
  return kp;
}

/** tokenSetup makes a mint of 8 decimals and two token accounts, the first holding supply. */
async function tokenSetup(s, payer, supply = 1_000_000_000n) {
  const mint = await tk.signer();
  const a = await tk.signer();
  const b = await tk.signer();
  const rentMint = await s.rpc("getMinimumBalanceForRentExemption", [tk.MINT_SIZE]);
  const rentAcct = await s.rpc("getMinimumBalanceForRentExemption", [tk.TOKEN_ACCOUNT_SIZE]);
  const tx = await tk.build(payer, [
    tk.createAccount(payer, mint, rentMint, tk.MINT_SIZE, tk.TOKEN),
    tk.initializeMint2(mint.address, 8, payer.address),
    tk.createAccount(payer, a, rentAcct, tk.TOKEN_ACCOUNT_SIZE, tk.TOKEN),
    tk.initializeAccount3(a.address, mint.address, payer.address),
    tk.createAccount(payer, b, rentAcct, tk.TOKEN_ACCOUNT_SIZE, tk.TOKEN),
    tk.initializeAccount3(b.address, mint.address, payer.address),
    tk.mintTo(mint.address, a.address, payer, supply),
  ], await blockhash(s));
  await s.rpc("sendTransaction", [tx.toString("base64"), { encoding: "base64" }]);
  return { mint: mint.address, a: a.address, b: b.address };
}

describe("rpc.mjs", () => {
  let s;
  before(async () => {
    s = await start(["--slot-ms", "20"]);
  });
  after(async () => {
    await s.kill("SIGTERM");
  });

  test("base58 round trips", () => {
    for (const bytes of [new Uint8Array(0), new Uint8Array(32), Uint8Array.from([0, 0, 1, 2, 255]), crypto.getRandomValues(new Uint8Array(64))]) {
      assert.deepEqual(b58decode(b58encode(bytes)), bytes);
    }
    assert.equal(b58decode("0OIl"), null);
  });

  test("cluster methods", async () => {
    assert.equal(await s.rpc("getHealth"), "ok");
    assert.equal(typeof (await s.rpc("getVersion"))["solana-core"], "string");
    assert.equal((await s.rpc("getGenesisHash")).length >= 32, true);
    const slot = await s.rpc("getSlot", [{ commitment: "confirmed" }]);
    const height = await s.rpc("getBlockHeight");
    await sleep(100);
    assert.ok((await s.rpc("getSlot")) > slot, "the slot advances");
    assert.ok((await s.rpc("getBlockHeight")) > height);
    const info = await s.rpc("getEpochInfo");
    assert.deepEqual(Object.keys(info).sort(), ["absoluteSlot", "blockHeight", "epoch", "slotIndex", "slotsInEpoch", "transactionCount"]);
    const lb = await s.rpc("getLatestBlockhash");
    assert.equal(typeof lb.context.slot, "number");
    const h = lb.value.lastValidBlockHeight - 150; // the hash's own height
    assert.ok(h > 0 && h <= (await s.rpc("getBlockHeight")), `lastValidBlockHeight ${lb.value.lastValidBlockHeight} is 150 past the hash`);
    assert.equal((await s.rpc("isBlockhashValid", [lb.value.blockhash])).value, true);
    assert.equal((await s.rpc("isBlockhashValid", [b58encode(new Uint8Array(32).fill(7))])).value, false);
    assert.equal(await s.rpc("getMinimumBalanceForRentExemption", [165]), 2039280);
    assert.equal(await (await fetch(s.url + "/health")).text(), "ok");
  });

  test("request ids are echoed as given, in batches too", async () => {
    for (const id of ["uuid-like-string", 7, null]) {
      const res = (await s.post(JSON.stringify({ jsonrpc: "2.0", id, method: "getSlot" }))).json;
      assert.equal(res.id, id);
      assert.equal(typeof res.result, "number");
    }
    const res = (await s.post(JSON.stringify([
      { jsonrpc: "2.0", id: "a", method: "getHealth" },
      { jsonrpc: "2.0", id: 2, method: "nope" },
      { jsonrpc: "2.0", method: "getHealth" }, // a notification: no answer
    ]))).json;
    assert.deepEqual(res, [{ jsonrpc: "2.0", result: "ok", id: "a" }, { jsonrpc: "2.0", error: { code: -32601, message: "Method not found" }, id: 2 }]);
    const note = await s.post(JSON.stringify({ jsonrpc: "2.0", method: "getHealth" }));
    assert.equal(note.status, 204);
  });

  test("bad requests get JSON-RPC errors and the server stays up", async () => {
    const cases = [
      ["junk", "not json", -32700],
      ["truncated", '{"jsonrpc":"2.0","id":1,"method":"getSlot"', -32700],
      ["empty batch", "[]", -32600],
      ["a number", "42", -32600],
      ["no version", '{"id":1,"method":"getSlot"}', -32600],
      ["method not a string", '{"jsonrpc":"2.0","id":1,"method":5}', -32600],
      ["object id", '{"jsonrpc":"2.0","id":{},"method":"getSlot"}', -32600],
      ["unknown method", '{"jsonrpc":"2.0","id":1,"method":"getEverything"}', -32601],
      ["prototype method", '{"jsonrpc":"2.0","id":1,"method":"constructor"}', -32601],
      ["params object", '{"jsonrpc":"2.0","id":1,"method":"getBalance","params":{"a":1}}', -32602],
      ["pubkey a number", '{"jsonrpc":"2.0","id":1,"method":"getBalance","params":[5]}', -32602],
      ["pubkey too short", '{"jsonrpc":"2.0","id":1,"method":"getAccountInfo","params":["abc"]}', -32602],
      ["pubkey not base58", '{"jsonrpc":"2.0","id":1,"method":"getBalance","params":["0OIl0OIl0OIl0OIl0OIl0OIl0OIl0OIl"]}', -32602],
      ["rent of a string", '{"jsonrpc":"2.0","id":1,"method":"getMinimumBalanceForRentExemption","params":["x"]}', -32602],
      ["airdrop negative", '{"jsonrpc":"2.0","id":1,"method":"requestAirdrop","params":["11111111111111111111111111111111",-1]}', -32602],
      ["tx not base64", '{"jsonrpc":"2.0","id":1,"method":"sendTransaction","params":["***",{"encoding":"base64"}]}', -32602],
      ["tx garbage", '{"jsonrpc":"2.0","id":1,"method":"sendTransaction","params":["AAAA",{"encoding":"base64"}]}', -32602],
      ["tx base58 garbage", '{"jsonrpc":"2.0","id":1,"method":"sendTransaction","params":["3yZe7d"]}', -32602],
      ["tx a number", '{"jsonrpc":"2.0","id":1,"method":"sendTransaction","params":[1]}', -32602],
      ["tx unknown encoding", '{"jsonrpc":"2.0","id":1,"method":"sendTransaction","params":["AAAA",{"encoding":"zip"}]}', -32602],
      ["statuses not a list", '{"jsonrpc":"2.0","id":1,"method":"getSignatureStatuses","params":["x"]}', -32602],
      ["limit too big", '{"jsonrpc":"2.0","id":1,"method":"getSignaturesForAddress","params":["11111111111111111111111111111111",{"limit":1001}]}', -32602],
      ["simulate garbage", '{"jsonrpc":"2.0","id":1,"method":"simulateTransaction","params":["AQID",{"encoding":"base64"}]}', -32602],
      ["fee of garbage", '{"jsonrpc":"2.0","id":1,"method":"getFeeForMessage","params":["AQID"]}', -32602],
    ];
    for (const [name, body, code] of cases) {
      const res = await s.post(body);
      assert.equal(res.json.jsonrpc, "2.0", name);
      assert.equal(res.json.error.code, code, `${name}: ${res.text}`);
      assert.equal(typeof res.json.error.message, "string", name);
    }
    const random = crypto.getRandomValues(new Uint8Array(300));
    for (let i = 0; i < 50; i++) {
      random[i % random.length] = i;
      const b64 = Buffer.from(random.subarray(0, 10 + i * 5)).toString("base64");
      const res = await s.raw("sendTransaction", [b64, { encoding: "base64" }]);
      assert.ok(res.error, "random bytes are never a transaction");
    }
    const huge = await s.post(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "getSlot", params: ["x".repeat(2 << 20)] }));
    assert.equal(huge.status, 413);
    assert.equal(huge.json.error.code, -32600);
    const big = await s.raw("getMultipleAccounts", [Array(101).fill(tk.SYSTEM)]);
    assert.equal(big.error.code, -32602);
    assert.equal(await s.rpc("getHealth"), "ok");
  });

  test("airdrop, balance, statuses, transaction and signatures", async () => {
    const kp = await tk.signer();
    const sig1 = await s.rpc("requestAirdrop", [kp.address, LAMPORTS, { commitment: "finalized" }]);
    const sig2 = await s.rpc("requestAirdrop", [kp.address, LAMPORTS]);
    assert.notEqual(sig1, sig2, "the same airdrop twice is two airdrops");
    assert.equal(await balance(s, kp.address), 2 * LAMPORTS);
    const st = await s.rpc("getSignatureStatuses", [[sig1, b58encode(new Uint8Array(64).fill(1))], { searchTransactionHistory: true }]);
    assert.equal(st.value[1], null);
    assert.deepEqual(Object.keys(st.value[0]).sort(), ["confirmationStatus", "confirmations", "err", "slot", "status"]);
    assert.deepEqual({ ...st.value[0], slot: 0 }, { slot: 0, confirmations: null, err: null, status: { Ok: null }, confirmationStatus: "finalized" });
    const tx = await s.rpc("getTransaction", [sig1, { encoding: "base64", commitment: "confirmed" }]);
    assert.equal(tx.slot, st.value[0].slot);
    assert.equal(tx.version, "legacy");
    assert.equal(tx.transaction[1], "base64");
    assert.equal(tx.meta.err, null);
    assert.equal(tx.meta.fee, 5000);
    assert.deepEqual(tx.meta.status, { Ok: null });
    assert.equal(tx.meta.postBalances[1] - tx.meta.preBalances[1], LAMPORTS);
    assert.deepEqual(tx.meta.loadedAddresses, { writable: [], readonly: [] });
    const json = await s.rpc("getTransaction", [sig1]);
    assert.equal(json.transaction.signatures[0], sig1);
    assert.equal(json.transaction.message.accountKeys[1], kp.address);
    const sigs = await s.rpc("getSignaturesForAddress", [kp.address]);
    assert.deepEqual(sigs.map((x) => x.signature), [sig2, sig1], "newest first");
    assert.equal(sigs[0].memo, null);
    assert.equal(await s.rpc("getTransaction", [b58encode(new Uint8Array(64).fill(2))]), null);
  });

  test("SPL token transfers with a memo", async () => {
    const payer = await funded(s);
    const { mint, a, b } = await tokenSetup(s, payer);
    const text = "payout epoch 7 key 0123456789abcdef";
    const tx = await tk.build(payer, [tk.transferChecked(a, mint, b, payer, 150_000_000n, 8), tk.memo(text)], await blockhash(s));
    const sig = await s.rpc("sendTransaction", [tx.toString("base64"), { encoding: "base64", skipPreflight: false, preflightCommitment: "finalized" }]);
    assert.deepEqual((await s.rpc("getTokenAccountBalance", [b])).value, { amount: "150000000", decimals: 8, uiAmount: 1.5, uiAmountString: "1.5" });
    assert.deepEqual((await s.rpc("getTokenAccountBalance", [a])).value.amount, "850000000");
    assert.deepEqual((await s.rpc("getTokenSupply", [mint])).value, { amount: "1000000000", decimals: 8, uiAmount: 10, uiAmountString: "10" });
    const got = await s.post(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "getAccountInfo", params: [b, { encoding: "base64" }] }));
    assert.match(got.text, /"rentEpoch":18446744073709551615[,}]/, "rentEpoch is a JSON number");
    const info = got.json.result.value;
    assert.equal(info.owner, tk.TOKEN);
    assert.equal(info.space, 165);
    assert.equal(Buffer.from(info.data[0], "base64").length, 165);
    assert.equal(info.data[1], "base64");
    const sliced = await s.rpc("getAccountInfo", [b, { encoding: "base64", dataSlice: { offset: 64, length: 8 } }]);
    assert.equal(Buffer.from(sliced.value.data[0], "base64").readBigUInt64LE(0), 150_000_000n);
    const missing = (await tk.signer()).address;
    assert.equal((await s.rpc("getAccountInfo", [missing, { encoding: "base64" }])).value, null);
    const multi = await s.rpc("getMultipleAccounts", [[a, missing], { encoding: "base64" }]);
    assert.equal(multi.value[1], null);
    assert.equal(multi.value[0].space, 165);
    const sigs = await s.rpc("getSignaturesForAddress", [b, { limit: 1 }]);
    assert.equal(sigs[0].signature, sig);
    assert.equal(sigs[0].memo, `[${text.length}] ${text}`);
    const t = await s.rpc("getTransaction", [sig, { encoding: "base64", maxSupportedTransactionVersion: 0 }]);
    assert.equal(t.meta.computeUnitsConsumed > 0, true);
    const post = t.meta.postTokenBalances.find((x) => x.uiTokenAmount.amount === "150000000");
    assert.equal(post.mint, mint);
    assert.equal(post.owner, payer.address);
    assert.equal(t.meta.preTokenBalances.length, 2);
    assert.ok(t.meta.logMessages.some((l) => l.includes(`Memo (len ${text.length})`)), t.meta.logMessages.join("\n"));
    const byOwner = await s.rpc("getTokenAccountsByOwner", [payer.address, { mint }, { encoding: "base64" }]);
    assert.deepEqual(byOwner.value.map((x) => x.pubkey).sort(), [a, b].sort());
    assert.equal(byOwner.value[0].account.space, 165);
    assert.equal((await s.rpc("getTokenAccountsByOwner", [payer.address, { programId: tk.TOKEN }, { encoding: "base64" }])).value.length >= 2, true);
    assert.equal((await s.rpc("getTokenAccountsByOwner", [missing, { mint }, { encoding: "base64" }])).value.length, 0);
    assert.equal((await rpcError(s.rpc("getTokenAccountsByOwner", [payer.address, {}]))).code, -32602);
    const holders = await s.rpc("getProgramAccounts", [tk.TOKEN, { encoding: "base64", filters: [{ dataSize: 165 }, { memcmp: { offset: 0, bytes: mint } }] }]);
    assert.deepEqual(holders.map((x) => x.pubkey).sort(), [a, b].sort());
    const mints = await s.rpc("getProgramAccounts", [tk.TOKEN, { encoding: "base64", withContext: true, filters: [{ dataSize: 82 }, { memcmp: { offset: 0, bytes: Buffer.from(b58decode(mint)).toString("base64"), encoding: "base64" } }] }]);
    assert.equal(mints.value.length, 0, "the mint's first bytes are its authority option, not its key");
    assert.equal((await rpcError(s.rpc("getProgramAccounts", [tk.TOKEN, { filters: [{ memcmp: { offset: -1, bytes: "1" } }] }]))).code, -32602);
    const notToken = await rpcError(s.rpc("getTokenAccountBalance", [payer.address]));
    assert.equal(notToken.code, -32602);
  });

  test("a failing transaction: refused in preflight, landed with its fee without", async () => {
    const payer = await funded(s);
    const { mint, a, b } = await tokenSetup(s, payer, 100n);
    const before = await balance(s, payer.address);
    const tx = await tk.build(payer, [tk.transferChecked(a, mint, b, payer, 101n, 8)], await blockhash(s));
    const e = await rpcError(s.rpc("sendTransaction", [tx.toString("base64"), { encoding: "base64" }]));
    assert.equal(e.code, -32002);
    assert.equal(e.message, "Transaction simulation failed: Error processing Instruction 0: custom program error: 0x1");
    assert.deepEqual(e.data.err, { InstructionError: [0, { Custom: 1 }] });
    assert.ok(e.data.logs.some((l) => l.includes("insufficient funds")), e.data.logs.join("\n"));
    assert.ok(e.data.unitsConsumed > 0);
    assert.equal(await balance(s, payer.address), before, "a refused transaction pays no fee");
    const sig = b58encode(tx.subarray(1, 65));
    assert.equal((await s.rpc("getSignatureStatuses", [[sig]])).value[0], null);

    assert.equal(await s.rpc("sendTransaction", [tx.toString("base64"), { encoding: "base64", skipPreflight: true }]), sig);
    const st = (await s.rpc("getSignatureStatuses", [[sig]])).value[0];
    assert.deepEqual(st.err, { InstructionError: [0, { Custom: 1 }] });
    assert.deepEqual(st.status, { Err: { InstructionError: [0, { Custom: 1 }] } });
    assert.equal(await balance(s, payer.address), before - 5000, "a landed failure pays its fee");
    assert.equal((await s.rpc("getTokenAccountBalance", [a])).value.amount, "100");
    const t = await s.rpc("getTransaction", [sig, { encoding: "base64" }]);
    assert.deepEqual(t.meta.err, { InstructionError: [0, { Custom: 1 }] });
    assert.equal(t.meta.fee, 5000);
    assert.deepEqual((await s.rpc("getSignaturesForAddress", [a, { limit: 1 }]))[0].err, { InstructionError: [0, { Custom: 1 }] });

    const poor = await tk.signer();
    const unfunded = await tk.build(poor, [tk.transfer(poor, payer.address, 1)], await blockhash(s));
    const usig = await s.rpc("sendTransaction", [unfunded.toString("base64"), { encoding: "base64", skipPreflight: true }]);
    assert.equal((await s.rpc("getSignatureStatuses", [[usig]])).value[0], null, "a transaction that cannot pay its fee never lands");
    const ue = await rpcError(s.rpc("sendTransaction", [unfunded.toString("base64"), { encoding: "base64" }]));
    assert.equal(ue.data.err, "AccountNotFound");
  });

  test("duplicates, bad signatures, base58 and priority fees", async () => {
    const payer = await funded(s);
    const to = (await tk.signer()).address;
    const tx = await tk.build(payer, [tk.transfer(payer, to, 1_000_000)], await blockhash(s));
    const sig = await s.rpc("sendTransaction", [b58encode(tx)]);
    const dup = await rpcError(s.rpc("sendTransaction", [tx.toString("base64"), { encoding: "base64" }]));
    assert.equal(dup.code, -32002);
    assert.equal(dup.data.err, "AlreadyProcessed");
    assert.equal(dup.message, "Transaction simulation failed: This transaction has already been processed");
    assert.equal(await s.rpc("sendTransaction", [tx.toString("base64"), { encoding: "base64", skipPreflight: true }]), sig);
    assert.equal(await balance(s, to), 1_000_000, "a duplicate is not applied twice");

    const forged = Buffer.from(await tk.build(payer, [tk.transfer(payer, to, 5)], await blockhash(s)));
    forged[10] ^= 0xff;
    for (const skipPreflight of [false, true]) {
      const e = await rpcError(s.rpc("sendTransaction", [forged.toString("base64"), { encoding: "base64", skipPreflight }]));
      assert.equal(e.code, -32003);
    }
    assert.equal(await balance(s, to), 1_000_000);

    // The priority fee is price × limit, the default limit 3,000 units a
    // builtin's instruction and 200,000 a program's (the Memo program).
    for (const [ixs, fee] of [
      [[tk.computeUnitPrice(1_000_000n), tk.transfer(payer, to, 7)], 5000 + 6000],
      [[tk.computeUnitPrice(1000n), tk.transfer(payer, to, 7), tk.memo("priced")], 5000 + 206],
    ]) {
      const before = await balance(s, payer.address);
      const priced = await tk.build(payer, ixs, await blockhash(s));
      const psig = await s.rpc("sendTransaction", [priced.toString("base64"), { encoding: "base64" }]);
      const t = await s.rpc("getTransaction", [psig, { encoding: "base64" }]);
      assert.equal(t.meta.fee, fee);
      assert.equal(before - (await balance(s, payer.address)), fee + 7, "the recorded fee is what the payer paid");
    }
  });

  test("simulateTransaction and getFeeForMessage change nothing", async () => {
    const payer = await funded(s);
    const to = (await tk.signer()).address;
    const tx = await tk.build(payer, [tk.transfer(payer, to, LAMPORTS)], await blockhash(s));
    const sim = await s.rpc("simulateTransaction", [tx.toString("base64"), { encoding: "base64", sigVerify: true, accounts: { encoding: "base64", addresses: [to] } }]);
    assert.equal(sim.value.err, null);
    assert.ok(sim.value.unitsConsumed > 0);
    assert.ok(sim.value.logs.length > 0);
    assert.equal(sim.value.accounts[0].lamports, LAMPORTS);
    assert.equal(await balance(s, to), 0);
    const bad = await tk.build(payer, [tk.transfer(payer, to, 100 * LAMPORTS)], await blockhash(s));
    const simBad = await s.rpc("simulateTransaction", [bad.toString("base64"), { encoding: "base64" }]);
    assert.deepEqual(simBad.value.err, { InstructionError: [0, { Custom: 1 }] });
    const stale = await tk.build(payer, [tk.transfer(payer, to, LAMPORTS)], b58encode(new Uint8Array(32).fill(9)));
    assert.equal((await s.rpc("simulateTransaction", [stale.toString("base64"), { encoding: "base64" }])).value.err, "BlockhashNotFound");
    const replaced = await s.rpc("simulateTransaction", [stale.toString("base64"), { encoding: "base64", replaceRecentBlockhash: true }]);
    assert.equal(replaced.value.err, null);
    assert.equal(typeof replaced.value.replacementBlockhash.blockhash, "string");
    const message = tx.subarray(65).toString("base64");
    assert.equal((await s.rpc("getFeeForMessage", [message])).value, 5000);
    assert.equal(await balance(s, to), 0);
    assert.equal(await s.rpc("sendTransaction", [tx.toString("base64"), { encoding: "base64" }]), b58encode(tx.subarray(1, 65)));
  });

  test("v0 transactions", async () => {
    const payer = await funded(s);
    const to = (await tk.signer()).address;
    const tx = await tk.build(payer, [tk.transfer(payer, to, LAMPORTS + 4242)], await blockhash(s), 0);
    const sig = await s.rpc("sendTransaction", [tx.toString("base64"), { encoding: "base64" }]);
    assert.equal(await balance(s, to), LAMPORTS + 4242);
    assert.equal((await rpcError(s.rpc("getTransaction", [sig, { encoding: "base64" }]))).code, -32015);
    const t = await s.rpc("getTransaction", [sig, { encoding: "base64", maxSupportedTransactionVersion: 0 }]);
    assert.equal(t.version, 0);
  });

  test("getSignaturesForAddress pages newest first with before and until", async () => {
    const kp = await tk.signer();
    const sigs = [];
    for (let i = 0; i < 6; i++) sigs.push(await s.rpc("requestAirdrop", [kp.address, LAMPORTS + i]));
    const all = (await s.rpc("getSignaturesForAddress", [kp.address])).map((x) => x.signature);
    assert.deepEqual(all, [...sigs].reverse());
    const page = async (opts) => (await s.rpc("getSignaturesForAddress", [kp.address, opts])).map((x) => x.signature);
    assert.deepEqual(await page({ limit: 2 }), [sigs[5], sigs[4]]);
    assert.deepEqual(await page({ limit: 2, before: sigs[4] }), [sigs[3], sigs[2]]);
    assert.deepEqual(await page({ until: sigs[2] }), [sigs[5], sigs[4], sigs[3]]);
    assert.deepEqual(await page({ before: sigs[4], until: sigs[1] }), [sigs[3], sigs[2]]);
    assert.deepEqual(await page({ before: sigs[0] }), []);
  });
});

test("blockhashes expire after the validity window", async () => {
  const s = await start(["--slot-ms", "10", "--blockhash-validity", "5"]);
  try {
    const payer = await funded(s);
    const lb = (await s.rpc("getLatestBlockhash")).value;
    const tx = await tk.build(payer, [tk.transfer(payer, payer.address, 1)], lb.blockhash);
    const deadline = Date.now() + 10000;
    while ((await s.rpc("getBlockHeight")) <= lb.lastValidBlockHeight && Date.now() < deadline) await sleep(10);
    assert.equal((await s.rpc("isBlockhashValid", [lb.blockhash])).value, false);
    const e = await rpcError(s.rpc("sendTransaction", [tx.toString("base64"), { encoding: "base64" }]));
    assert.equal(e.code, -32002);
    assert.equal(e.message, "Transaction simulation failed: Blockhash not found");
    assert.equal(e.data.err, "BlockhashNotFound");
    const sig = await s.rpc("sendTransaction", [tx.toString("base64"), { encoding: "base64", skipPreflight: true }]);
    assert.equal((await s.rpc("getSignatureStatuses", [[sig]])).value[0], null, "an expired transaction never lands");
  } finally {
    await s.kill();
  }
});

test("everything acknowledged survives SIGKILL and a torn journal line", async () => {
  const dir = tmpdir();
  let s = await start(["--state", dir, "--slot-ms", "10"]);
  const payer = await funded(s, 100 * LAMPORTS);
  const { mint, a, b } = await tokenSetup(s, payer);
  const sent = [];
  const to = [];
  for (let i = 0; i < 5; i++) to.push((await tk.signer()).address);
  let bh = await blockhash(s);
  for (let i = 0; i < 40; i++) {
    const tx = await tk.build(payer, [tk.transfer(payer, to[i % 5], LAMPORTS + i), tk.transferChecked(a, mint, b, payer, 1n, 8), tk.memo(`k${i}`)], bh);
    sent.push(await s.rpc("sendTransaction", [tx.toString("base64"), { encoding: "base64" }]));
  }
  const failing = await tk.build(payer, [tk.transferChecked(b, mint, a, payer, 1_000_000n, 8)], bh);
  const failed = await s.rpc("sendTransaction", [failing.toString("base64"), { encoding: "base64", skipPreflight: true }]);
  const balances = await Promise.all([payer.address, ...to].map((x) => balance(s, x)));
  const slot = await s.rpc("getSlot");
  bh = await blockhash(s);
  await s.kill();
  fs.appendFileSync(path.join(dir, "journal"), '{"sig":"torn'); // a kill mid-write

  s = await start(["--state", dir, "--slot-ms", "10"]);
  try {
    assert.ok((await s.rpc("getSlot")) >= slot, "the slot never goes back");
    assert.deepEqual(await Promise.all([payer.address, ...to].map((x) => balance(s, x))), balances);
    assert.equal((await s.rpc("getTokenAccountBalance", [b])).value.amount, "40");
    const st = (await s.rpc("getSignatureStatuses", [[...sent, failed]])).value;
    assert.ok(st.slice(0, 40).every((x) => x && x.err === null && x.confirmationStatus === "finalized"));
    assert.deepEqual(st[40].err, { InstructionError: [0, { Custom: 1 }] });
    assert.equal((await s.rpc("getSignaturesForAddress", [to[0]])).length, 8);
    const dup = await tk.build(payer, [tk.transfer(payer, to[0], LAMPORTS), tk.transferChecked(a, mint, b, payer, 1n, 8), tk.memo("k0")], (await s.rpc("getTransaction", [sent[0], { encoding: "json" }])).transaction.message.recentBlockhash);
    assert.equal((await rpcError(s.rpc("sendTransaction", [dup.toString("base64"), { encoding: "base64" }]))).data.err, "AlreadyProcessed");
    // A blockhash handed out before the kill is still valid after it.
    const tx = await tk.build(payer, [tk.transfer(payer, to[1], 5)], bh);
    const late = await s.rpc("sendTransaction", [tx.toString("base64"), { encoding: "base64" }]);
    await s.kill();
    s = await start(["--state", dir, "--slot-ms", "10"]);
    assert.equal((await s.rpc("getSignatureStatuses", [[late]])).value[0].err, null, "the journal goes on after a torn line");
    assert.equal(await balance(s, to[1]), balances[2] + 5);
  } finally {
    await s.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("a SIGKILL amid concurrent sends loses no acknowledged transfer", async () => {
  const dir = tmpdir();
  let s = await start(["--state", dir, "--slot-ms", "10"]);
  try {
    const payer = await funded(s, 1000 * LAMPORTS);
    const to = (await tk.signer()).address;
    const bh = await blockhash(s);
    const txs = [];
    for (let i = 0; i < 300; i++) txs.push((await tk.build(payer, [tk.transfer(payer, to, LAMPORTS + i), tk.memo(`kill ${i}`)], bh)).toString("base64"));
    const acked = [];
    let next = 0;
    let killed = false;
    const worker = async () => {
      while (next < txs.length && !killed) {
        const i = next++;
        try {
          const res = await s.raw("sendTransaction", [txs[i], { encoding: "base64" }]);
          if (res.result) acked.push([i, res.result]);
          else assert.fail(`transfer ${i}: ${res.error.message}`);
          if (acked.length >= 100 && !killed) {
            killed = true;
            await s.kill();
          }
        } catch (e) {
          if (e instanceof assert.AssertionError) throw e;
          // The connection died with the server: not acknowledged.
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    assert.ok(acked.length >= 100);
    s = await start(["--state", dir, "--slot-ms", "10"]);
    const sigs = acked.map(([, sig]) => sig);
    const st = (await s.rpc("getSignatureStatuses", [sigs])).value;
    assert.ok(st.every((x) => x && x.err === null), "every acknowledged transfer landed");
    // Those that landed unacknowledged are whole too: the balance is the sum
    // of the landed transfers, each once.
    const landed = await s.rpc("getSignaturesForAddress", [to]);
    const amounts = await Promise.all(landed.map(async (x) => (await s.rpc("getTransaction", [x.signature, { encoding: "base64" }])).meta));
    const sum = amounts.reduce((n, m) => n + (m.postBalances[1] - m.preBalances[1]), 0);
    assert.equal(await balance(s, to), sum);
    assert.ok(landed.length >= acked.length);
  } finally {
    await s.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("--exit-with-stdin ends the server when its parent's pipe closes", async () => {
  const s = await start(["--exit-with-stdin"], "pipe");
  assert.equal(await s.rpc("getHealth"), "ok");
  s.proc.removeAllListeners("exit");
  const exited = new Promise((resolve) => s.proc.once("exit", (code) => resolve(code)));
  s.proc.stdin.end();
  assert.equal(await exited, 0);
});

test("v0 transactions load accounts from address lookup tables, after a restart too", async () => {
  const dir = tmpdir();
  let s = await start(["--state", dir, "--slot-ms", "10"]);
  try {
    const payer = await funded(s);
    const recentSlot = (await s.rpc("getSlot")) - 1;
    const table = await tk.lookupTable(payer.address, recentSlot);
    const to = [];
    for (let i = 0; i < 3; i++) to.push((await tk.signer()).address);
    const created = await s.rpc("sendTransaction", [(await tk.build(payer, [
      tk.createLookupTable(table, payer, payer, recentSlot),
      tk.extendLookupTable(table.address, payer, payer, to),
    ], await blockhash(s))).toString("base64"), { encoding: "base64" }]);
    // Addresses a table gained are usable from the next slot on.
    const slot = await s.rpc("getSlot");
    while ((await s.rpc("getSlot")) <= slot) await sleep(5);
    const tx = await tk.build(payer, to.map((t, i) => tk.transfer(payer, t, LAMPORTS + i)), await blockhash(s), 0, { [table.address]: to });
    assert.ok(tx.length < 300, `the table makes the transaction small (${tx.length} bytes)`);
    const sig = await s.rpc("sendTransaction", [tx.toString("base64"), { encoding: "base64" }]);
    for (let i = 0; i < 3; i++) assert.equal(await balance(s, to[i]), LAMPORTS + i);
    const t = await s.rpc("getTransaction", [sig, { encoding: "json", maxSupportedTransactionVersion: 0 }]);
    assert.equal(t.version, 0);
    assert.deepEqual([...t.meta.loadedAddresses.writable].sort(), [...to].sort());
    assert.deepEqual(t.meta.loadedAddresses.readonly, []);
    assert.equal(t.transaction.message.addressTableLookups[0].accountKey, table.address);
    const keys = [...t.transaction.message.accountKeys, ...t.meta.loadedAddresses.writable];
    for (let i = 0; i < 3; i++) assert.equal(t.meta.postBalances[keys.indexOf(to[i])], LAMPORTS + i);
    assert.equal((await s.rpc("getSignaturesForAddress", [to[2]]))[0].signature, sig, "a loaded address knows the transaction");

    // The journal runs the transactions again on a restart, at the slots
    // they landed in: the table, the balances and the records come back
    // as they were.
    const opts = { encoding: "json", maxSupportedTransactionVersion: 0 };
    const before = await Promise.all([created, sig].map((x) => s.rpc("getTransaction", [x, opts])));
    const tableBefore = (await s.rpc("getAccountInfo", [table.address, { encoding: "base64" }])).value;
    await s.kill();
    s = await start(["--state", dir, "--slot-ms", "10"]);
    assert.deepEqual(await Promise.all([created, sig].map((x) => s.rpc("getTransaction", [x, opts]))), before);
    assert.deepEqual((await s.rpc("getAccountInfo", [table.address, { encoding: "base64" }])).value, tableBefore);
    for (let i = 0; i < 3; i++) assert.equal(await balance(s, to[i]), LAMPORTS + i);
    const again = await tk.build(payer, to.map((t) => tk.transfer(payer, t, 1)), await blockhash(s), 0, { [table.address]: to });
    await s.rpc("sendTransaction", [again.toString("base64"), { encoding: "base64" }]);
    assert.equal(await balance(s, to[0]), LAMPORTS + 1, "the table still loads its addresses");
  } finally {
    await s.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("a journal of account states, from before transactions were journaled, is refused", async () => {
  const dir = tmpdir();
  fs.writeFileSync(path.join(dir, "journal"), '{"sig":"x","slot":1,"height":1,"acc":[]}\n');
  try {
    await assert.rejects(start(["--state", dir]), /remove .* for a fresh chain/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
