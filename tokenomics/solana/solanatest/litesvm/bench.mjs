// bench.mjs: the raw LiteSVM rate for the transfers settlement sends, and
// the same transfers through rpc.mjs over HTTP.
//
//   node bench.mjs [--transfers N] [--batch K]     in process, no RPC
//   node bench.mjs --http [--transfers N] [--clients 1,4,8]
//
// In process: a mint of 8 decimals and N recipient token accounts, then N
// SPL Token TransferChecked transfers, each with a Memo of about 60 bytes,
// K transfers (and their memos) per transaction. The transactions are
// built and signed (ed25519, @solana/kit) before the clock starts: the
// figures are LiteSVM's own. It also prints the compute units of one
// TransferChecked and of memos of 60, 120 and 250 bytes.
//
// Over HTTP: N single-transfer transactions sent with sendTransaction
// (preflight on, as a settler sends them) by C concurrent clients, each
// waiting for its answer before sending the next, against a fresh
// rpc.mjs with its journal on.
import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { LiteSVM } from "litesvm";
import * as kit from "@solana/kit";
import * as tk from "./txkit.mjs";

const args = { transfers: 10000, batch: 1, http: false, clients: "1,4,8" };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === "--http") args.http = true;
  else if (a === "--transfers") args.transfers = Number(process.argv[++i]);
  else if (a === "--batch") args.batch = Number(process.argv[++i]);
  else if (a === "--clients") args.clients = process.argv[++i];
  else throw new Error(`unknown argument ${a}; usage: node bench.mjs [--transfers N] [--batch K] | --http [--transfers N] [--clients 1,4,8]`);
}
if (!Number.isSafeInteger(args.transfers) || args.transfers < 1 || !Number.isSafeInteger(args.batch) || args.batch < 1) {
  throw new Error("--transfers and --batch must be positive integers");
}

const DECIMALS = 8;
/** memoText is a memo of exactly `len` bytes that differs by transfer. */
const memoText = (i, len = 60) => `iog:payout:${i}:`.padEnd(len, "x").slice(0, len);

/** setupTokens makes a mint and the payer's funded source token account with real transactions. */
async function setupTokens(send, payer, blockhash, rent) {
  const mint = await tk.signer();
  const source = await tk.signer();
  await send(await tk.build(payer, [
    tk.createAccount(payer, mint, rent.mint, tk.MINT_SIZE, tk.TOKEN),
    tk.initializeMint2(mint.address, DECIMALS, payer.address),
    tk.createAccount(payer, source, rent.account, tk.TOKEN_ACCOUNT_SIZE, tk.TOKEN),
    tk.initializeAccount3(source.address, mint.address, payer.address),
    tk.mintTo(mint.address, source.address, payer, 1n << 62n),
  ], blockhash));
  return { mint: mint.address, source: source.address };
}

const transferIxs = (t, payer, recipient, i) => [tk.transferChecked(t.source, t.mint, recipient, payer, BigInt(1 + i), DECIMALS), tk.memo(memoText(i))];

async function inProcess() {
  const svm = new LiteSVM();
  const inner = svm.inner;
  const send = (raw) => {
    const out = inner.sendLegacyTransaction(raw);
    if (typeof out.err === "function") throw new Error(`setup transaction failed: ${out.err()} ${out.meta().prettyLogs()}`);
    return out;
  };
  const payer = await tk.signer();
  svm.setAccount({ address: payer.address, lamports: 1_000_000n * 1_000_000_000n, programAddress: tk.SYSTEM, executable: false, data: new Uint8Array(0) });
  const rent = { mint: svm.minimumBalanceForRentExemption(BigInt(tk.MINT_SIZE)), account: svm.minimumBalanceForRentExemption(BigInt(tk.TOKEN_ACCOUNT_SIZE)) };
  const blockhash = svm.latestBlockhash();
  const t = await setupTokens(send, payer, blockhash, rent);
  // The recipients' token accounts are set directly, not created by a
  // transaction each: the transfers are what is measured.
  const recipients = [];
  for (let i = 0; i < args.transfers; i++) {
    const owner = (await tk.signer()).address;
    const account = (await tk.signer()).address;
    svm.setAccount({ address: account, lamports: rent.account, programAddress: tk.TOKEN, executable: false, data: tk.tokenAccountData(t.mint, owner) });
    recipients.push(account);
  }

  const cu = {};
  const units = async (ixs) => {
    const out = inner.simulateLegacyTransaction(await tk.build(payer, ixs, blockhash));
    if (typeof out.err === "function") throw new Error(`simulation failed: ${out.meta().prettyLogs()}`);
    return Number(out.meta().computeUnitsConsumed());
  };
  cu.transferChecked = await units([tk.transferChecked(t.source, t.mint, recipients[0], payer, 1n, DECIMALS)]);
  for (const len of [60, 120, 250]) cu[`memo${len}`] = await units([tk.memo(memoText(0, len))]);

  const signStart = performance.now();
  const txs = [];
  for (let i = 0; i < args.transfers; i += args.batch) {
    const ixs = [];
    for (let j = i; j < Math.min(i + args.batch, args.transfers); j++) ixs.push(...transferIxs(t, payer, recipients[j], j));
    const raw = await tk.build(payer, ixs, blockhash);
    if (raw.length > 1232) throw new Error(`--batch ${args.batch}: a transaction of ${raw.length} bytes is over Solana's 1232`);
    txs.push(raw);
  }
  const signSeconds = (performance.now() - signStart) / 1000;

  const start = performance.now();
  for (const raw of txs) send(raw);
  const seconds = (performance.now() - start) / 1000;
  const got = inner.getAccount(kit.getAddressCodec().encode(recipients.at(-1))).data();
  if (Buffer.from(got).readBigUInt64LE(64) !== BigInt(args.transfers)) throw new Error("the last transfer did not land");
  return {
    mode: "in-process", transfers: args.transfers, batch: args.batch, txs: txs.length, txBytes: txs[0].length, seconds: round(seconds),
    txPerSec: Math.round(txs.length / seconds), transfersPerSec: Math.round(args.transfers / seconds), usPerTx: round((seconds * 1e6) / txs.length),
    usPerTransfer: round((seconds * 1e6) / args.transfers), signUsPerTx: round((signSeconds * 1e6) / txs.length), cu,
  };
}

const round = (x) => Math.round(x * 100) / 100;

function startServer(stateDir) {
  const rpc = path.join(path.dirname(fileURLToPath(import.meta.url)), "rpc.mjs");
  // Blockhashes valid for 100,000 blocks: the transactions are signed
  // before the clock starts and must not expire while they are sent.
  const proc = spawn(process.execPath, [rpc, "--port", "0", "--state", stateDir, "--blockhash-validity", "100000"], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    let out = "";
    proc.stdout.on("data", (d) => {
      out += d;
      const m = /^listening http:\/\/127\.0\.0\.1:(\d+)\n/.exec(out);
      if (m) resolve({ proc, port: Number(m[1]) });
    });
    proc.on("exit", (code) => reject(new Error(`rpc.mjs exited ${code}`)));
  });
}

function client(port, sockets) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  let id = 0;
  return (method, params) =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify({ jsonrpc: "2.0", id: String(++id), method, params });
      const req = http.request({ host: "127.0.0.1", port, method: "POST", path: "/", agent, headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) } }, (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => {
          const r = JSON.parse(Buffer.concat(chunks).toString());
          if (r.error) reject(new Error(`${method}: ${r.error.message}`));
          else resolve(r.result);
        });
      });
      req.on("error", reject);
      req.end(body);
    });
}

async function overHTTP() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "litesvm-bench-"));
  const { proc, port } = await startServer(dir);
  try {
    const clients = args.clients.split(",").map(Number);
    const call = client(port, Math.max(...clients));
    const payer = await tk.signer();
    await call("requestAirdrop", [payer.address, 1_000_000 * 1_000_000_000]);
    const rent = { mint: await call("getMinimumBalanceForRentExemption", [tk.MINT_SIZE]), account: await call("getMinimumBalanceForRentExemption", [tk.TOKEN_ACCOUNT_SIZE]) };
    const blockhash = (await call("getLatestBlockhash", [])).value.blockhash;
    const send = (raw) => call("sendTransaction", [raw.toString("base64"), { encoding: "base64" }]);
    const t = await setupTokens(send, payer, blockhash, rent);
    // 100 recipients, created by transactions, three to a transaction.
    const recipients = [];
    for (let i = 0; i < 100; i += 3) {
      const ixs = [];
      for (let j = 0; j < 3; j++) {
        const acct = await tk.signer();
        ixs.push(tk.createAccount(payer, acct, rent.account, tk.TOKEN_ACCOUNT_SIZE, tk.TOKEN), tk.initializeAccount3(acct.address, t.mint, payer.address));
        recipients.push(acct.address);
      }
      await send(await tk.build(payer, ixs, blockhash));
    }
    const results = [];
    let n = 0;
    for (const c of clients) {
      const txs = [];
      for (let i = 0; i < args.transfers; i++, n++) txs.push((await tk.build(payer, transferIxs(t, payer, recipients[n % recipients.length], n), blockhash)).toString("base64"));
      let next = 0;
      const start = performance.now();
      await Promise.all(Array.from({ length: c }, async () => {
        while (next < txs.length) await call("sendTransaction", [txs[next++], { encoding: "base64" }]);
      }));
      const seconds = (performance.now() - start) / 1000;
      results.push({ mode: "http", clients: c, transfers: args.transfers, seconds: round(seconds), txPerSec: Math.round(args.transfers / seconds), usPerTx: round((seconds * 1e6) / args.transfers) });
    }
    return results;
  } finally {
    proc.kill("SIGKILL");
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const out = args.http ? await overHTTP() : await inProcess();
process.stdout.write(JSON.stringify(out) + "\n");
