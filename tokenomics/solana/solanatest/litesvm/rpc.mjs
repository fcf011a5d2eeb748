// rpc.mjs: a Solana JSON-RPC test validator around LiteSVM.
//
//   node rpc.mjs [--host 127.0.0.1] [--port 0] [--state DIR] [--slot-ms 20] [--blockhash-validity 150] [--exit-with-stdin]
//
// --exit-with-stdin ends the server when its standard input closes: a
// parent that starts it on a pipe and dies, even by SIGKILL, leaves no
// server behind.
//
// It prints one line, "listening http://HOST:PORT", on stdout when it is ready.
// Everything it acknowledges is final and survives a SIGKILL when --state is
// given: see the journal below. Without --state the chain lives in memory.
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Account, Clock, LiteSVM } from "litesvm";

// ---------------------------------------------------------------- base58

const B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const B58_INDEX = new Int8Array(128).fill(-1);
for (let i = 0; i < B58.length; i++) B58_INDEX[B58.charCodeAt(i)] = i;

/** b58encode encodes bytes in Bitcoin's base58, as Solana does keys and signatures. */
export function b58encode(bytes) {
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  // Limbs of 5 base-58 digits (58^5 < 2^30), least significant first:
  // five times fewer steps than a digit at a time, on the hot path of every
  // signature.
  const limbs = new Float64Array((((bytes.length - zeros) * 138) / 500 + 2) | 0);
  let n = 0;
  for (let i = zeros; i < bytes.length; i++) {
    let carry = bytes[i];
    for (let j = 0; j < n; j++) {
      const v = limbs[j] * 256 + carry;
      carry = Math.floor(v / B58_LIMB);
      limbs[j] = v - carry * B58_LIMB;
    }
    while (carry > 0) {
      const q = Math.floor(carry / B58_LIMB);
      limbs[n++] = carry - q * B58_LIMB;
      carry = q;
    }
  }
  const digits = new Uint8Array(n * 5);
  let d = digits.length;
  for (let j = 0; j < n; j++) {
    let v = limbs[j];
    for (let k = 0; k < 5; k++) {
      const q = Math.floor(v / 58);
      digits[--d] = v - q * 58;
      v = q;
    }
  }
  let lead = 0;
  while (lead < digits.length && digits[lead] === 0) lead++;
  let out = "1".repeat(zeros);
  for (let i = lead; i < digits.length; i++) out += B58[digits[i]];
  return out;
}
const B58_LIMB = 58 ** 5;

/** hex is a base58 key's bytes in hex, the form the chain keys its maps by. */
const hex = (b58) => Buffer.from(b58decode(b58)).toString("hex");
/** b58 is a hex key in base58, the form JSON-RPC answers carry. */
const b58 = (h) => b58encode(Buffer.from(h, "hex"));

/** b58decode decodes base58, or returns null for a string that is not. */
export function b58decode(str) {
  if (typeof str !== "string") return null;
  let zeros = 0;
  while (zeros < str.length && str[zeros] === "1") zeros++;
  const bytes = [];
  for (let i = zeros; i < str.length; i++) {
    const c = str.charCodeAt(i);
    const v = c < 128 ? B58_INDEX[c] : -1;
    if (v < 0) return null;
    let carry = v;
    for (let j = 0; j < bytes.length; j++) {
      carry += bytes[j] * 58;
      bytes[j] = carry & 0xff;
      carry >>= 8;
    }
    while (carry > 0) {
      bytes.push(carry & 0xff);
      carry >>= 8;
    }
  }
  const out = new Uint8Array(zeros + bytes.length);
  for (let i = 0; i < bytes.length; i++) out[out.length - 1 - i] = bytes[i];
  return out;
}

// ---------------------------------------------------------------- errors

/** RpcError is a JSON-RPC error a method throws; anything else thrown is -32603. */
export class RpcError extends Error {
  constructor(code, message, data) {
    super(message);
    this.code = code;
    this.data = data;
  }
}

const invalidParams = (msg) => new RpcError(-32602, msg);

// The names of LiteSVM's fieldless error enums, in their numeric order
// (litesvm/dist/internal.d.ts), and the validator's text for each.
const TX_ERRORS = [
  ["AccountInUse", "Account in use"],
  ["AccountLoadedTwice", "Account loaded twice"],
  ["AccountNotFound", "Attempt to debit an account but found no record of a prior credit."],
  ["ProgramAccountNotFound", "Attempt to load a program that does not exist"],
  ["InsufficientFundsForFee", "Insufficient funds for fee"],
  ["InvalidAccountForFee", "This account may not be used to pay transaction fees"],
  ["AlreadyProcessed", "This transaction has already been processed"],
  ["BlockhashNotFound", "Blockhash not found"],
  ["CallChainTooDeep", "Loader call chain is too deep"],
  ["MissingSignatureForFee", "Transaction requires a fee but has no signature present"],
  ["InvalidAccountIndex", "Transaction contains an invalid account reference"],
  ["SignatureFailure", "Transaction did not pass signature verification"],
  ["InvalidProgramForExecution", "This program may not be used for executing instructions"],
  ["SanitizeFailure", "Transaction failed to sanitize accounts offsets correctly"],
  ["ClusterMaintenance", "Transactions are currently disabled due to cluster maintenance"],
  ["AccountBorrowOutstanding", "Transaction processing left an account with an outstanding borrowed reference"],
  ["WouldExceedMaxBlockCostLimit", "Transaction would exceed max Block Cost Limit"],
  ["UnsupportedVersion", "Transaction version is unsupported"],
  ["InvalidWritableAccount", "Transaction loads a writable account that cannot be written"],
  ["WouldExceedMaxAccountCostLimit", "Transaction would exceed max account limit within the block"],
  ["WouldExceedAccountDataBlockLimit", "Transaction would exceed account data limit within the block"],
  ["TooManyAccountLocks", "Transaction locked too many accounts"],
  ["AddressLookupTableNotFound", "Transaction loads an address table account that doesn't exist"],
  ["InvalidAddressLookupTableOwner", "Transaction loads an address table account with an invalid owner"],
  ["InvalidAddressLookupTableData", "Transaction loads an address table account with invalid data"],
  ["InvalidAddressLookupTableIndex", "Transaction address table lookup uses an invalid index"],
  ["InvalidRentPayingAccount", "Transaction leaves an account with a lower balance than rent-exempt minimum"],
  ["WouldExceedMaxVoteCostLimit", "Transaction would exceed max Vote Cost Limit"],
  ["WouldExceedAccountDataTotalLimit", "Transaction would exceed total account data limit"],
  ["MaxLoadedAccountsDataSizeExceeded", "Transaction exceeded max loaded accounts data size cap"],
  ["ResanitizationNeeded", "Transaction requires resanitization"],
  ["InvalidLoadedAccountsDataSizeLimit", "LoadedAccountsDataSizeLimit set for transaction must be greater than 0."],
  ["UnbalancedTransaction", "Sum of account balances before and after transaction do not match"],
  ["ProgramCacheHitMaxLimit", "Program cache hit max limit"],
  ["CommitCancelled", "Commit cancelled"],
];
const TX_ERROR_TEXT = new Map(TX_ERRORS);

const IX_ERRORS = [
  ["GenericError", "generic instruction error"],
  ["InvalidArgument", "invalid program argument"],
  ["InvalidInstructionData", "invalid instruction data"],
  ["InvalidAccountData", "invalid account data for instruction"],
  ["AccountDataTooSmall", "account data too small for instruction"],
  ["InsufficientFunds", "insufficient funds for instruction"],
  ["IncorrectProgramId", "incorrect program id for instruction"],
  ["MissingRequiredSignature", "missing required signature for instruction"],
  ["AccountAlreadyInitialized", "instruction requires an uninitialized account"],
  ["UninitializedAccount", "instruction requires an initialized account"],
  ["UnbalancedInstruction", "sum of account balances before and after instruction do not match"],
  ["ModifiedProgramId", "instruction illegally modified the program id of an account"],
  ["ExternalAccountLamportSpend", "instruction spent from the balance of an account it does not own"],
  ["ExternalAccountDataModified", "instruction modified data of an account it does not own"],
  ["ReadonlyLamportChange", "instruction changed the balance of a read-only account"],
  ["ReadonlyDataModified", "instruction modified data of a read-only account"],
  ["DuplicateAccountIndex", "instruction contains duplicate accounts"],
  ["ExecutableModified", "instruction changed executable bit of an account"],
  ["RentEpochModified", "instruction modified rent epoch of an account"],
  ["NotEnoughAccountKeys", "insufficient account keys for instruction"],
  ["AccountDataSizeChanged", "program other than the account's owner changed the size of the account data"],
  ["AccountNotExecutable", "instruction expected an executable account"],
  ["AccountBorrowFailed", "instruction tries to borrow reference for an account which is already borrowed"],
  ["AccountBorrowOutstanding", "instruction left account with an outstanding borrowed reference"],
  ["DuplicateAccountOutOfSync", "instruction modifications of multiply-passed account differ"],
  ["InvalidError", "program returned invalid error code"],
  ["ExecutableDataModified", "instruction changed executable accounts data"],
  ["ExecutableLamportChange", "instruction changed the balance of an executable account"],
  ["ExecutableAccountNotRentExempt", "executable accounts must be rent exempt"],
  ["UnsupportedProgramId", "Unsupported program id"],
  ["CallDepth", "Cross-program invocation call depth too deep"],
  ["MissingAccount", "An account required by the instruction is missing"],
  ["ReentrancyNotAllowed", "Cross-program invocation reentrancy not allowed for this instruction"],
  ["MaxSeedLengthExceeded", "Length of the seed is too long for address generation"],
  ["InvalidSeeds", "Provided seeds do not result in a valid address"],
  ["InvalidRealloc", "Failed to reallocate account data"],
  ["ComputationalBudgetExceeded", "Computational budget exceeded"],
  ["PrivilegeEscalation", "Cross-program invocation with unauthorized signer or writable account"],
  ["ProgramEnvironmentSetupFailure", "Failed to create program execution environment"],
  ["ProgramFailedToComplete", "Program failed to complete"],
  ["ProgramFailedToCompile", "Program failed to compile"],
  ["Immutable", "Account is immutable"],
  ["IncorrectAuthority", "Incorrect authority provided"],
  ["AccountNotRentExempt", "An account does not have enough lamports to be rent-exempt"],
  ["InvalidAccountOwner", "Invalid account owner"],
  ["ArithmeticOverflow", "Program arithmetic overflowed"],
  ["UnsupportedSysvar", "Unsupported sysvar"],
  ["IllegalOwner", "Provided owner is not allowed"],
  ["MaxAccountsDataAllocationsExceeded", "Accounts data allocations exceeded the maximum allowed per transaction"],
  ["MaxAccountsExceeded", "Max accounts exceeded"],
  ["MaxInstructionTraceLengthExceeded", "Max instruction trace length exceeded"],
  ["BuiltinProgramsMustConsumeComputeUnits", "Builtin programs must consume compute units"],
  ["BorshIoError", "Failed to serialize or deserialize account data"],
];

/**
 * txError turns LiteSVM's TransactionError into the JSON a validator
 * returns (serde's shape, what solana-go decodes) and the validator's text.
 */
function txError(e) {
  if (typeof e === "number") {
    const [name, text] = TX_ERRORS[e] ?? ["InvalidError", "unknown transaction error"];
    return { json: name, text };
  }
  switch (e.constructor.name) {
    case "TransactionErrorInstructionError": {
      const ie = e.err();
      let json;
      let text;
      if (typeof ie === "number") {
        [json, text] = IX_ERRORS[ie] ?? ["InvalidError", "program returned invalid error code"];
      } else if (ie.constructor.name === "InstructionErrorCustom") {
        json = { Custom: ie.code };
        text = `custom program error: 0x${ie.code.toString(16)}`;
      } else {
        json = { BorshIoError: ie.msg };
        text = `Failed to serialize or deserialize account data: ${ie.msg}`;
      }
      return { json: { InstructionError: [e.index, json] }, text: `Error processing Instruction ${e.index}: ${text}` };
    }
    case "TransactionErrorDuplicateInstruction":
      return { json: { DuplicateInstruction: e.index }, text: `Transaction contains a duplicate instruction (${e.index}) that is not allowed` };
    case "TransactionErrorInsufficientFundsForRent":
      return {
        json: { InsufficientFundsForRent: { account_index: e.accountIndex } },
        text: `Transaction results in an account (${e.accountIndex}) with insufficient funds for rent`,
      };
    default:
      return {
        json: { ProgramExecutionTemporarilyRestricted: { account_index: e.accountIndex } },
        text: `Execution of the program referenced by account at index ${e.accountIndex} is temporarily restricted.`,
      };
  }
}

const namedError = (name) => ({ json: name, text: TX_ERROR_TEXT.get(name) });

// ---------------------------------------------------------------- transactions

const MAX_TX_SIZE = 1232;
const SLOT_HASHES = 150; // recent slots in the SlotHashes sysvar (a validator keeps 512)
const SYSTEM_PROGRAM = new Uint8Array(32);
const MEMO_PROGRAMS = new Set(["MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr", "Memo1UhkJRfHyvLMcVucJwxXeuD728EqVDDwQDxFMNo"].map(hex));
const TOKEN_PROGRAMS = new Set(["TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA", "TokenzQdBNbLqP5VEhdkAS6EPFLC1PFnBEvsiFJ1pc8"].map(hex));
const COMPUTE_BUDGET = hex("ComputeBudget111111111111111111111111111111");
const LOOKUP_TABLE_PROGRAM = hex("AddressLookupTab1e1111111111111111111111111");
const LAMPORTS_PER_SIGNATURE = 5000n;
const RENT_EXEMPT_EPOCH = 18446744073709551615n; // the rentEpoch of every rent-exempt account
const BUILTINS = new Set([
  "11111111111111111111111111111111", "ComputeBudget111111111111111111111111111111", "AddressLookupTab1e1111111111111111111111111",
  "Vote111111111111111111111111111111111111111", "Stake11111111111111111111111111111111111111", "Config1111111111111111111111111111111111111",
  "BPFLoader1111111111111111111111111111111111", "BPFLoader2111111111111111111111111111111111", "BPFLoaderUpgradeab1e11111111111111111111111",
  "LoaderV411111111111111111111111111111111111",
].map(hex));

class Reader {
  constructor(buf, pos = 0) {
    this.buf = buf;
    this.pos = pos;
  }
  need(n) {
    if (this.pos + n > this.buf.length) throw invalidParams("invalid transaction: unexpected end of data");
  }
  u8() {
    this.need(1);
    return this.buf[this.pos++];
  }
  // compact-u16, Solana's short vector length.
  len() {
    let v = 0;
    for (let i = 0; i < 3; i++) {
      const b = this.u8();
      v |= (b & 0x7f) << (7 * i);
      if ((b & 0x80) === 0) return v;
    }
    throw invalidParams("invalid transaction: bad compact-u16");
  }
  bytes(n) {
    this.need(n);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

/**
 * parseMessage reads a legacy or v0 message starting at pos. It checks
 * the offsets a validator's sanitize checks, so that LiteSVM and the code
 * here only ever see well-formed messages.
 */
export function parseMessage(buf, pos) {
  if (!Buffer.isBuffer(buf)) buf = Buffer.from(buf.buffer, buf.byteOffset, buf.length);
  const r = new Reader(buf, pos);
  let version = "legacy";
  if (buf[pos] & 0x80) {
    version = r.u8() & 0x7f;
    if (version !== 0) throw invalidParams(`invalid transaction: unsupported version ${version}`);
  }
  const header = [r.u8(), r.u8(), r.u8()];
  const nKeys = r.len();
  const keys = [];
  for (let i = 0; i < nKeys; i++) keys.push(r.bytes(32));
  const blockhash = r.bytes(32).toString("hex");
  const nIx = r.len();
  const instructions = [];
  for (let i = 0; i < nIx; i++) {
    const program = r.u8();
    const accounts = r.bytes(r.len());
    const data = r.bytes(r.len());
    instructions.push({ program, accounts, data });
  }
  const lookups = [];
  if (version === 0) {
    const n = r.len();
    for (let i = 0; i < n; i++) lookups.push({ table: r.bytes(32), writable: r.bytes(r.len()), readonly: r.bytes(r.len()) });
  }
  if (r.pos !== buf.length) throw invalidParams("invalid transaction: trailing bytes");
  const [nSigned, nReadonlySigned, nReadonlyUnsigned] = header;
  const nLoaded = lookups.reduce((n, l) => n + l.writable.length + l.readonly.length, 0);
  if (nSigned === 0 || nSigned > nKeys || nReadonlySigned >= nSigned || nReadonlyUnsigned > nKeys - nSigned || nKeys + nLoaded > 256) {
    throw invalidParams("invalid transaction: Transaction failed to sanitize accounts offsets correctly");
  }
  for (const ix of instructions) {
    if (ix.program >= nKeys || ix.program === 0) throw invalidParams("invalid transaction: Transaction failed to sanitize accounts offsets correctly");
    for (const a of ix.accounts) if (a >= nKeys + nLoaded) throw invalidParams("invalid transaction: Transaction failed to sanitize accounts offsets correctly");
  }
  return { version, header, keys, keyHex: keys.map((k) => k.toString("hex")), blockhash, instructions, lookups };
}

/** parseTransaction reads a wire transaction: the signatures, then the message. */
export function parseTransaction(buf) {
  if (buf.length > MAX_TX_SIZE) throw invalidParams(`invalid transaction: too large: ${buf.length} bytes (max: ${MAX_TX_SIZE})`);
  if (!Buffer.isBuffer(buf)) buf = Buffer.from(buf.buffer, buf.byteOffset, buf.length);
  const r = new Reader(buf);
  const nSigs = r.len();
  const sigs = [];
  for (let i = 0; i < nSigs; i++) sigs.push(r.bytes(64));
  const msg = parseMessage(buf, r.pos);
  if (nSigs !== msg.header[0]) throw invalidParams("invalid transaction: Transaction failed to sanitize accounts offsets correctly");
  msg.signature = b58encode(sigs[0]);
  return msg;
}

function isWritable(msg, i) {
  const [nSigned, nReadonlySigned, nReadonlyUnsigned] = msg.header;
  if (i < nSigned) return i < nSigned - nReadonlySigned;
  return i < msg.keys.length - nReadonlyUnsigned;
}

function u64le(buf, off) {
  return Buffer.from(buf.buffer, buf.byteOffset, buf.length).readBigUInt64LE(off);
}

/** fee is what a validator charges: 5000 lamports a signature plus the priority fee. */
function fee(msg) {
  let price = 0n;
  let limit = null;
  let defaultLimit = 0n;
  for (const ix of msg.instructions) {
    const program = msg.keyHex[ix.program];
    // The runtime's default limit: 3,000 units for a builtin's instruction,
    // 200,000 for a program's.
    defaultLimit += BUILTINS.has(program) ? 3000n : 200000n;
    if (program !== COMPUTE_BUDGET) continue;
    if (ix.data[0] === 2 && ix.data.length >= 5) limit = BigInt(Buffer.from(ix.data).readUInt32LE(1));
    if (ix.data[0] === 3 && ix.data.length >= 9) price = u64le(ix.data, 1);
  }
  if (limit === null) limit = defaultLimit;
  if (limit > 1400000n) limit = 1400000n;
  const priority = (price * limit + 999999n) / 1000000n;
  return LAMPORTS_PER_SIGNATURE * BigInt(msg.header[0]) + priority;
}

/** memo is a transaction's memos in the validator's "[len] text" form, joined by "; ", or null. */
function memo(msg) {
  const memos = [];
  for (const ix of msg.instructions) {
    if (MEMO_PROGRAMS.has(msg.keyHex[ix.program])) memos.push(`[${ix.data.length}] ${Buffer.from(ix.data).toString("utf8")}`);
  }
  return memos.length ? memos.join("; ") : null;
}

// ---------------------------------------------------------------- the chain

/**
 * Chain is the LiteSVM bank plus what LiteSVM does not keep: slots, the
 * ring of valid blockhashes, the transaction history and the journal.
 */
export class Chain {
  constructor({ stateDir = "", validity = 150 } = {}) {
    this.validity = validity;
    this.stateDir = stateDir;
    // Blockhash checking and LiteSVM's own history are off: the ring and
    // the history here answer both, and LiteSVM would otherwise accept only
    // its latest hash and keep a second copy of every transaction.
    this.svm = new LiteSVM().withBlockhashCheck(false).withTransactionHistory(0n);
    this.inner = this.svm.inner;
    this.history = new Map(); // signature (base58) -> its entry (execute)
    this.byAddress = new Map(); // account (hex) -> its records, oldest first
    this.seq = 0;
    this.ring = new Map(); // blockhash (hex) -> block height
    this.decimals = new Map(); // mint (hex) -> decimals
    this.known = new Map(); // account (hex) -> { lamports, token } as the last transaction that wrote it left it
    this.journalFd = null;
    this.unflushed = []; // journal lines not yet written
    this.unfinished = []; // landed transactions whose records finish completes
    // The slots whose clock and SlotHashes the journal's replay set last.
    this.replayClock = null;
    this.replayHashes = null;
    // The journal's lines are encoded into one buffer kept from flush to
    // flush: a fresh buffer of some 20 kB a transaction cost more than the
    // write itself.
    this.journalBuf = Buffer.allocUnsafe(1 << 16);
    this.clockFd = null;
    this.genesis();
    this.slot = 1;
    this.height = 1;
    if (stateDir) this.load();
    this.fillRing();
    this.setClock(this.slot, Math.floor(Date.now() / 1000));
  }

  // genesis reads or creates the chain's seed and faucet key: the genesis
  // hash and every blockhash derive from the seed.
  genesis() {
    let g;
    const file = this.stateDir && path.join(this.stateDir, "genesis.json");
    if (file && fs.existsSync(file)) {
      g = JSON.parse(fs.readFileSync(file, "utf8"));
    } else {
      const { privateKey } = crypto.generateKeyPairSync("ed25519");
      g = { seed: crypto.randomBytes(32).toString("hex"), faucet: privateKey.export({ format: "der", type: "pkcs8" }).toString("base64") };
      if (file) {
        fs.mkdirSync(this.stateDir, { recursive: true });
        fs.writeFileSync(file + ".tmp", JSON.stringify(g));
        fs.renameSync(file + ".tmp", file);
      }
    }
    this.seed = Buffer.from(g.seed, "hex");
    this.genesisHash = b58encode(crypto.createHash("sha256").update(this.seed).digest());
    this.faucetKey = crypto.createPrivateKey({ key: Buffer.from(g.faucet, "base64"), format: "der", type: "pkcs8" });
    this.faucet = new Uint8Array(crypto.createPublicKey(this.faucetKey).export({ format: "der", type: "spki" }).subarray(-32));
    this.faucetHex = Buffer.from(this.faucet).toString("hex");
  }

  blockhashAt(height) {
    const h = crypto.createHash("sha256").update(this.seed).update("blockhash");
    const n = Buffer.alloc(8);
    n.writeBigUInt64LE(BigInt(height));
    return h.update(n).digest();
  }

  fillRing() {
    this.ring.clear();
    for (let h = Math.max(1, this.height - this.validity); h <= this.height; h++) this.ring.set(this.blockhashAt(h).toString("hex"), h);
    this.setLatest();
    // The SlotHashes sysvar holds the hashes of the slots before this one,
    // newest first, as address lookup tables need (a table is derived from
    // a recent slot).
    this.slotHashes = this.slotHashesAt(this.slot, this.height);
    this.inner.setSlotHashes(this.slotHashes);
  }

  // slotHashesAt is the SlotHashes sysvar at a slot and height: the hashes
  // of the slots before, newest first.
  slotHashesAt(slot, height) {
    const out = [];
    for (let k = 1; k <= SLOT_HASHES && slot - k >= 1 && height - k >= 1; k++) out.push({ slot: BigInt(slot - k), hash: b58encode(this.blockhashAt(height - k)) });
    return out;
  }

  setLatest() {
    const latest = this.blockhashAt(this.height);
    this.latest = b58encode(latest);
    this.latestHex = latest.toString("hex");
  }

  // setClock sets the clock sysvar to a slot and a unix time in seconds.
  setClock(slot, unix) {
    const epoch = BigInt(Math.floor(slot / 432000));
    this.inner.setClock(new Clock(BigInt(slot), 0n, epoch, epoch + 1n, BigInt(unix)));
  }

  /** tick makes the next block: a new slot, height and blockhash, and drops the expired hash. */
  tick() {
    this.slotHashes.unshift({ slot: BigInt(this.slot), hash: this.latest });
    if (this.slotHashes.length > SLOT_HASHES) this.slotHashes.pop();
    this.slot++;
    this.height++;
    if (this.height > this.validity + 1) this.ring.delete(this.blockhashAt(this.height - this.validity - 1).toString("hex"));
    this.setLatest();
    this.ring.set(this.latestHex, this.height);
    this.setClock(this.slot, Math.floor(Date.now() / 1000));
    this.inner.setSlotHashes(this.slotHashes);
    if (this.clockFd !== null) {
      const line = `${this.slot} ${this.height}`.padEnd(40) + "\n";
      fs.writeSync(this.clockFd, line, 0);
    }
  }

  // lastValid is the last block height at which the hash, in hex, is valid.
  lastValid(hash) {
    return this.ring.get(hash) + this.validity;
  }

  // -------------------------------------------------------------- persistence

  load() {
    fs.mkdirSync(this.stateDir, { recursive: true });
    const clockFile = path.join(this.stateDir, "clock");
    if (fs.existsSync(clockFile)) {
      const [slot, height] = fs.readFileSync(clockFile, "utf8").trim().split(/\s+/).map(Number);
      if (Number.isSafeInteger(slot) && Number.isSafeInteger(height) && slot > 0 && height > 0) {
        this.slot = slot;
        this.height = height;
      }
    }
    const journal = path.join(this.stateDir, "journal");
    if (fs.existsSync(journal)) {
      // The journal's signatures were checked when they landed.
      this.inner.setSigverify(false);
      const text = fs.readFileSync(journal);
      let good = 0;
      let start = 0;
      for (;;) {
        const nl = text.indexOf(10, start);
        if (nl < 0) break;
        let rec;
        try {
          rec = JSON.parse(text.subarray(start, nl).toString("utf8"));
        } catch {
          break;
        }
        if (rec.tx === undefined) throw new Error(`${journal}: line ${this.seq + 1} is not a transaction; a journal of rpc.mjs before December 2026 held account states: remove ${this.stateDir} for a fresh chain`);
        this.replay(rec);
        good = start = nl + 1;
      }
      this.finish();
      // A line torn by a kill mid-write is cut, so that the next record
      // starts on a line of its own.
      if (good < text.length) fs.truncateSync(journal, good);
      this.inner.setSigverify(true);
    }
    this.journalFd = fs.openSync(journal, "a");
    this.clockFd = fs.openSync(clockFile, "w");
    fs.writeSync(this.clockFd, `${this.slot} ${this.height}`.padEnd(40) + "\n", 0);
  }

  /** flush writes the journal lines of the transactions landed since the last flush. */
  flush() {
    if (this.unflushed.length === 0) return;
    const text = this.unflushed.join("\n") + "\n";
    this.unflushed.length = 0;
    const size = Buffer.byteLength(text);
    if (size > this.journalBuf.length) this.journalBuf = Buffer.allocUnsafe(size * 2);
    this.journalBuf.write(text, 0);
    for (let off = 0; off < size; ) off += fs.writeSync(this.journalFd, this.journalBuf, off, size - off);
  }

  /**
   * replay runs a journal line's transaction again, as it ran when it
   * landed: at its slot, clock and SlotHashes (which address lookup
   * tables read), with nothing refused. The programs the chain runs are
   * deterministic, so the accounts and the record come out as they did.
   */
  replay(line) {
    const raw = Buffer.from(line.tx, "base64");
    const msg = parseTransaction(raw);
    if (line.slot !== this.replayClock) {
      this.replayClock = line.slot;
      this.setClock(line.slot, line.time);
    }
    if (line.slot !== this.replayHashes && msg.keyHex.includes(LOOKUP_TABLE_PROGRAM)) {
      this.replayHashes = line.slot;
      this.inner.setSlotHashes(this.slotHashesAt(line.slot, line.height));
    }
    if (msg.keyHex[0] === this.faucetHex) this.faucetFunded();
    this.slot = Math.max(this.slot, line.slot);
    this.height = Math.max(this.height, line.height);
    const loaded = this.loadedKeys(msg);
    if (loaded === null) throw new Error(`journal line ${this.seq + 1}: its lookup tables no longer resolve`);
    this.execute(raw, msg, loaded, { preflight: false, at: line });
  }

  // -------------------------------------------------------------- accounts

  account(key) {
    return this.inner.getAccount(key);
  }

  faucetFunded() {
    if (this.inner.getBalance(this.faucet) === null) {
      this.inner.setAccount(this.faucet, new Account(500_000_000n * 1_000_000_000n, new Uint8Array(0), SYSTEM_PROGRAM, false, RENT_EXEMPT_EPOCH));
    }
  }

  // mintDecimals is the decimals of the mint whose key is in hex, or null
  // for an account that is not an initialized mint.
  mintDecimals(mint) {
    let d = this.decimals.get(mint);
    if (d !== undefined) return d;
    const a = this.inner.getAccount(Buffer.from(mint, "hex"));
    if (!a) return null;
    const data = a.data();
    if (data.length < 82 || data[45] !== 1) return null;
    d = data[44];
    this.decimals.set(mint, d);
    return d;
  }

  /**
   * tokenBalance is the token balance of account, the index-th of a
   * transaction, kept in hex as the history stores it (tokenBalanceJSON
   * renders it), or null for an account that is not a token account.
   */
  tokenBalance(index, account) {
    if (!account) return null;
    return this.tokenBalanceOf(index, Buffer.from(account.owner()).toString("hex"), account.data());
  }

  // tokenBalanceOf is tokenBalance of an account read already: its owner
  // program in hex and its data. Each read of a LiteSVM account copies it.
  tokenBalanceOf(index, program, bytes) {
    if (!TOKEN_PROGRAMS.has(program)) return null;
    const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    if (data.length < 165 || data[108] === 0) return null;
    const mint = data.toString("hex", 0, 32);
    const decimals = this.mintDecimals(mint);
    if (decimals === null) return null;
    return { i: index, m: mint, o: data.toString("hex", 32, 64), p: program, a: data.readBigUInt64LE(64).toString(), d: decimals };
  }

  // The accounts a message loads: its keys, then the addresses its lookup
  // tables add (writable first, as the runtime orders them).
  loadedKeys(msg) {
    const keys = msg.keyHex;
    if (msg.lookups.length === 0) return { keys, writable: [], readonly: [] };
    const writable = [];
    const readonly = [];
    for (const l of msg.lookups) {
      const table = this.inner.getAccount(l.table);
      const data = table ? table.data() : new Uint8Array(0);
      const at = (i) => {
        const off = 56 + i * 32;
        if (off + 32 > data.length) return null;
        return Buffer.from(data.subarray(off, off + 32)).toString("hex");
      };
      for (const i of l.writable) writable.push(at(i));
      for (const i of l.readonly) readonly.push(at(i));
    }
    if (writable.includes(null) || readonly.includes(null)) return null;
    return { keys: keys.concat(writable, readonly), writable, readonly };
  }

  // -------------------------------------------------------------- sending

  /**
   * submit runs a wire transaction. With preflight, a failing transaction
   * changes nothing and is thrown as the validator's -32002 error; without,
   * it lands with its error and pays its fee as on a validator, unless it
   * could not pay the fee at all, which a validator drops.
   */
  submit(raw, { preflight = true } = {}) {
    const msg = parseTransaction(raw);
    if (this.history.has(msg.signature)) return this.refused(msg, preflight, namedError("AlreadyProcessed"));
    if (!this.ring.has(msg.blockhash)) return this.refused(msg, preflight, namedError("BlockhashNotFound"));
    const loaded = this.loadedKeys(msg);
    if (loaded === null) return this.refused(msg, preflight, namedError("InvalidAddressLookupTableIndex"));
    const at = { slot: this.slot, height: this.height, time: Math.floor(Date.now() / 1000) };
    return this.execute(raw, msg, loaded, { preflight, at });
  }

  // refused answers a transaction that changed nothing: with preflight, the
  // validator's -32002 error; without, its signature, whose status stays null.
  refused(msg, preflight, e, logs = [], units = 0) {
    if (!preflight) return msg.signature;
    throw new RpcError(-32002, `Transaction simulation failed: ${e.text}`, {
      accounts: null, err: e.json, innerInstructions: null, loadedAccountsDataSize: 0, logs, replacementBlockhash: null, returnData: null, unitsConsumed: units, fee: null,
    });
  }

  /**
   * execute runs a parsed transaction on LiteSVM and, when it lands, adds
   * it to the history and the journal. What its record holds beyond its
   * status (the accounts' balances after it, its logs) is read later, by
   * finish: before anything else is asked of the chain, or once the
   * answers have left, while the client reads them.
   */
  execute(raw, msg, loaded, { preflight, at }) {
    this.finish();
    const sig = msg.signature;
    const { keys } = loaded;
    const keyBytes = keys.map((k, i) => (i < msg.keys.length ? msg.keys[i] : Buffer.from(k, "hex")));
    const writable = keys.map((_, i) => (i < msg.keys.length ? isWritable(msg, i) : i < msg.keys.length + loaded.writable.length));
    // Only writable accounts can change: they are read before and after,
    // the others' balances once. The pre-state of an account an earlier
    // transaction wrote is what that transaction left: only the others are
    // read from LiteSVM, whose every read copies the account.
    const preBalances = new Array(keys.length);
    const preToken = [];
    for (let i = 0; i < keys.length; i++) {
      const known = this.known.get(keys[i]);
      if (known) {
        preBalances[i] = known.lamports;
        if (writable[i] && known.token) preToken.push({ ...known.token, i });
        continue;
      }
      preBalances[i] = this.inner.getBalance(keyBytes[i]) ?? 0n;
      if (!writable[i]) continue;
      const tb = this.tokenBalance(i, this.inner.getAccount(keyBytes[i]));
      if (tb) preToken.push(tb);
    }
    const out = msg.version === "legacy" ? this.inner.sendLegacyTransaction(raw) : this.inner.sendVersionedTransaction(raw);
    const failed = typeof out.err === "function";
    const meta = failed ? out.meta() : out;
    let err = null;
    let charged = null;
    if (failed) {
      err = txError(out.err());
      if (err.json === "SignatureFailure") throw new RpcError(-32003, "Transaction signature verification failure");
      const payer = this.inner.getAccount(keyBytes[0]);
      charged = preBalances[0] - (payer ? payer.lamports() : 0n);
      if (preflight || charged <= 0n) {
        // Put the fee back: a refused transaction changes nothing. A failed
        // transaction changes its fee payer's lamports alone, and a fee
        // payer is a system account without data.
        if (charged > 0n) {
          this.inner.setAccount(keyBytes[0], payer
            ? new Account(preBalances[0], payer.data(), payer.owner(), payer.executable(), payer.rentEpoch())
            : new Account(preBalances[0], new Uint8Array(0), SYSTEM_PROGRAM, false, RENT_EXEMPT_EPOCH));
        }
        return this.refused(msg, preflight, err, meta.logs(), Number(meta.computeUnitsConsumed()));
      }
    }
    const entry = { sig, slot: at.slot, time: at.time, err: err && err.json, memo: memo(msg), seq: this.seq++, line: null };
    this.history.set(sig, entry);
    for (const key of keys) {
      let list = this.byAddress.get(key);
      if (!list) this.byAddress.set(key, (list = []));
      list.push(entry);
    }
    // The journal line is written before any answer leaves (flush): after
    // a kill, what was acknowledged is in the journal, and replay runs it
    // again.
    if (this.journalFd !== null) this.unflushed.push(JSON.stringify({ slot: at.slot, height: at.height, time: at.time, tx: raw.toString("base64") }));
    this.unfinished.push({ entry, raw, msg, loaded, keyBytes, writable, preBalances, preToken, meta, fee: charged ?? fee(msg) });
    return sig;
  }

  /**
   * finish completes the records of the transactions landed since it last
   * ran: the balances their writable accounts were left with, and each
   * record's JSON line. The history keeps what statuses and signature
   * lists answer as fields, and the rest only as the line, parsed again by
   * getTransaction: a record's few hundred small objects, kept for the
   * server's life, made every young-generation collection slower.
   */
  finish() {
    for (const t of this.unfinished) {
      const { entry, keyBytes, writable, preBalances } = t;
      const keys = t.loaded.keys;
      const postToken = [];
      const postBalances = preBalances.slice();
      for (let i = 0; i < keys.length; i++) {
        if (!writable[i]) continue;
        const a = this.inner.getAccount(keyBytes[i]);
        const lamports = a ? a.lamports() : 0n;
        postBalances[i] = lamports;
        const tb = lamports === 0n ? null : this.tokenBalanceOf(i, Buffer.from(a.owner()).toString("hex"), a.data());
        if (tb) postToken.push(tb);
        this.known.set(keys[i], { lamports, token: tb });
      }
      entry.line = JSON.stringify({
        sig: entry.sig,
        slot: entry.slot,
        time: entry.time,
        err: entry.err,
        tx: t.raw.toString("base64"),
        version: t.msg.version,
        logs: t.meta.logs(),
        cu: Number(t.meta.computeUnitsConsumed()),
        fee: t.fee.toString(),
        lw: t.loaded.writable,
        lr: t.loaded.readonly,
        pre: preBalances.map(String),
        post: postBalances.map(String),
        preToken: t.preToken,
        postToken,
      });
    }
    this.unfinished.length = 0;
  }

  /** airdrop sends lamports from the faucet in a real, signed system transfer. */
  airdrop(to, lamports) {
    this.faucetFunded();
    const data = Buffer.alloc(12);
    data.writeUInt32LE(2, 0);
    data.writeBigUInt64LE(lamports, 4);
    // The newest blockhash that does not repeat an earlier airdrop's
    // signature: the same request twice in one slot is two airdrops.
    for (let h = this.height; h > this.height - this.validity && h > 0; h--) {
      const message = Buffer.concat([
        Buffer.from([1, 0, 1, 3]), this.faucet, to, SYSTEM_PROGRAM, this.blockhashAt(h),
        Buffer.from([1, 2, 2, 0, 1, 12]), data,
      ]);
      const signature = crypto.sign(null, message, this.faucetKey);
      if (this.history.has(b58encode(signature))) continue;
      return this.submit(Buffer.concat([Buffer.from([1]), signature, message]));
    }
    throw new RpcError(-32600, "airdrop request failed: too many identical airdrops in the blockhash window");
  }
}

/** tokenBalanceJSON is a validator's token balance entry. */
const tokenBalanceJSON = (tb) => ({ accountIndex: tb.i, mint: b58(tb.m), owner: b58(tb.o), programId: b58(tb.p), uiTokenAmount: uiAmount(BigInt(tb.a), tb.d) });

/** uiAmount is a token amount as a validator shows it. */
function uiAmount(amount, decimals) {
  const s = amount.toString().padStart(decimals + 1, "0");
  let str = decimals ? `${s.slice(0, s.length - decimals)}.${s.slice(s.length - decimals)}` : s;
  if (decimals) str = str.replace(/0+$/, "").replace(/\.$/, "");
  return { amount: amount.toString(), decimals, uiAmount: Number(str), uiAmountString: str };
}

// ---------------------------------------------------------------- JSON

// Raw marks a u64 that JSON must carry as a number but a JS number cannot
// hold exactly; stringify writes its digits.
class Raw {
  constructor(digits) {
    this.digits = digits;
  }
}
const RAW = /"\\u0001raw(\d+)"/g; // JSON.stringify escapes the \u0001
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** num is a u64 for a JSON result: a number when exact, else raw digits. */
function num(v) {
  if (typeof v === "number") return v;
  return v <= SAFE ? Number(v) : new Raw(v.toString());
}

function stringify(value) {
  let raw = false;
  const text = JSON.stringify(value, (_, v) => {
    if (v instanceof Raw) {
      raw = true;
      return "\u0001raw" + v.digits;
    }
    return v;
  });
  return raw ? text.replace(RAW, "$1") : text;
}

// ---------------------------------------------------------------- methods

function param(params, i, type) {
  const v = params[i];
  if (type === "object") {
    if (v === undefined || v === null) return {};
    if (typeof v !== "object" || Array.isArray(v)) throw invalidParams(`Invalid params: argument ${i} must be an object`);
    return v;
  }
  if (typeof v !== type) throw invalidParams(`Invalid params: argument ${i} must be a ${type}`);
  return v;
}

function pubkey(v) {
  const b = typeof v === "string" && v.length <= 44 ? b58decode(v) : null;
  if (!b || b.length !== 32) throw invalidParams("Invalid param: Invalid");
  return b;
}

function u64param(params, i) {
  const v = params[i];
  if (!Number.isSafeInteger(v) || v < 0) throw invalidParams(`Invalid params: argument ${i} must be an unsigned integer`);
  return v;
}

function decodeTx(str, encoding = "base58") {
  if (typeof str !== "string") throw invalidParams("Invalid params: the transaction must be a string");
  if (encoding === "base64") {
    if (str.length > 1644 || !/^[A-Za-z0-9+/]*={0,2}$/.test(str)) throw invalidParams("invalid transaction: bad base64 encoding or too large");
    return Buffer.from(str, "base64");
  }
  if (encoding === "base58") {
    const b = str.length <= 1683 ? b58decode(str) : null;
    if (!b) throw invalidParams("invalid transaction: bad base58 encoding or too large");
    return Buffer.from(b);
  }
  throw invalidParams(`Invalid params: unsupported encoding: ${encoding}`);
}

function accountJSON(a, opts = {}) {
  if (!a || a.lamports() === 0n) return null;
  let data = a.data();
  const space = data.length;
  const slice = opts.dataSlice;
  if (slice) {
    if (!Number.isSafeInteger(slice.offset) || !Number.isSafeInteger(slice.length) || slice.offset < 0 || slice.length < 0) {
      throw invalidParams("Invalid params: dataSlice");
    }
    data = data.subarray(slice.offset, slice.offset + slice.length);
  }
  const enc = opts.encoding ?? "base58";
  let encoded;
  if (enc === "base58") encoded = [b58encode(data), "base58"];
  else if (enc === "base64" || enc === "jsonParsed") encoded = [Buffer.from(data).toString("base64"), "base64"];
  else throw invalidParams(`Invalid params: unsupported encoding: ${enc}`);
  return { data: encoded, executable: a.executable(), lamports: num(a.lamports()), owner: b58encode(a.owner()), rentEpoch: num(a.rentEpoch()), space };
}

function status(rec) {
  return { slot: rec.slot, confirmations: null, err: rec.err, status: rec.err === null ? { Ok: null } : { Err: rec.err }, confirmationStatus: "finalized" };
}

function tokenAccount(chain, params) {
  const a = chain.account(pubkey(params[0]));
  if (!a) throw invalidParams("Invalid param: could not find account");
  const tb = chain.tokenBalance(0, a);
  if (!tb) throw invalidParams("Invalid param: not a Token account");
  return uiAmount(BigInt(tb.a), tb.d);
}

function transactionJSON(rec) {
  const raw = Buffer.from(rec.tx, "base64");
  const r = new Reader(raw);
  const sigs = [];
  for (let i = r.len(); i > 0; i--) sigs.push(b58encode(r.bytes(64)));
  const msg = parseMessage(raw, r.pos);
  const message = {
    accountKeys: msg.keys.map(b58encode),
    header: { numRequiredSignatures: msg.header[0], numReadonlySignedAccounts: msg.header[1], numReadonlyUnsignedAccounts: msg.header[2] },
    recentBlockhash: b58(msg.blockhash),
    instructions: msg.instructions.map((ix) => ({ programIdIndex: ix.program, accounts: [...ix.accounts], data: b58encode(ix.data), stackHeight: null })),
  };
  if (msg.version === 0) {
    message.addressTableLookups = msg.lookups.map((l) => ({ accountKey: b58encode(l.table), writableIndexes: [...l.writable], readonlyIndexes: [...l.readonly] }));
  }
  return { signatures: sigs, message };
}

/**
 * methods is the method table: name -> (chain, params) => result. Each
 * throws RpcError for a bad request; a result is final when returned.
 */
export const methods = {
  getHealth: () => "ok",
  getVersion: () => ({ "solana-core": "2.2.0", "feature-set": 0 }),
  getGenesisHash: (c) => c.genesisHash,
  getIdentity: (c) => ({ identity: b58encode(c.faucet) }),
  getSlot: (c) => c.slot,
  getBlockHeight: (c) => c.height,
  getTransactionCount: (c) => c.history.size,
  getEpochInfo: (c) => ({
    absoluteSlot: c.slot, blockHeight: c.height, epoch: Math.floor(c.slot / 432000), slotIndex: c.slot % 432000, slotsInEpoch: 432000, transactionCount: c.history.size,
  }),
  getLatestBlockhash: (c) => ({ context: { slot: c.slot }, value: { blockhash: c.latest, lastValidBlockHeight: c.lastValid(c.latestHex) } }),
  isBlockhashValid: (c, p) => ({ context: { slot: c.slot }, value: c.ring.has(Buffer.from(pubkey(p[0])).toString("hex")) }),
  getMinimumBalanceForRentExemption: (c, p) => num(c.svm.minimumBalanceForRentExemption(BigInt(u64param(p, 0)))),
  getFeeForMessage: (c, p) => {
    const raw = Buffer.from(param(p, 0, "string"), "base64");
    const msg = parseMessage(raw, 0);
    return { context: { slot: c.slot }, value: c.ring.has(msg.blockhash) ? num(fee(msg)) : null };
  },
  getBalance: (c, p) => ({ context: { slot: c.slot }, value: num(c.inner.getBalance(pubkey(p[0])) ?? 0n) }),
  getAccountInfo: (c, p) => ({ context: { slot: c.slot }, value: accountJSON(c.account(pubkey(p[0])), param(p, 1, "object")) }),
  getMultipleAccounts: (c, p) => {
    if (!Array.isArray(p[0]) || p[0].length > 100) throw invalidParams("Invalid params: a list of at most 100 keys");
    const opts = param(p, 1, "object");
    return { context: { slot: c.slot }, value: p[0].map((k) => accountJSON(c.account(pubkey(k)), opts)) };
  },
  getProgramAccounts: (c, p) => {
    const opts = param(p, 1, "object");
    const value = keyedAccounts(c, pubkey(p[0]), filters(opts.filters), opts);
    return opts.withContext ? { context: { slot: c.slot }, value } : value;
  },
  getTokenAccountsByOwner: (c, p) => {
    const owner = pubkey(p[0]);
    const by = param(p, 1, "object");
    const opts = param(p, 2, "object");
    let program;
    let more = [];
    if (by.mint !== undefined && by.programId === undefined) {
      const mint = pubkey(by.mint);
      const account = c.account(mint);
      if (!account) throw invalidParams("Invalid param: could not find mint");
      program = Buffer.from(account.owner()).toString("hex");
      if (!TOKEN_PROGRAMS.has(program)) throw invalidParams("Invalid param: not a Token mint");
      more = [{ offset: 0, bytes: mint }];
    } else if (by.programId !== undefined && by.mint === undefined) {
      program = Buffer.from(pubkey(by.programId)).toString("hex");
      if (!TOKEN_PROGRAMS.has(program)) throw invalidParams("Invalid param: unrecognized Token program id");
    } else {
      throw invalidParams("Invalid params: either mint or programId, not both");
    }
    const value = keyedAccounts(c, Buffer.from(program, "hex"), [{ dataSize: 165 }, { offset: 32, bytes: owner }, ...more], opts);
    return { context: { slot: c.slot }, value };
  },
  getTokenAccountBalance: (c, p) => ({ context: { slot: c.slot }, value: tokenAccount(c, p) }),
  getTokenSupply: (c, p) => {
    const mint = Buffer.from(pubkey(p[0])).toString("hex");
    const decimals = c.mintDecimals(mint);
    if (decimals === null) throw invalidParams("Invalid param: not a Token mint");
    return { context: { slot: c.slot }, value: uiAmount(u64le(c.account(pubkey(p[0])).data(), 36), decimals) };
  },
  requestAirdrop: (c, p) => {
    const to = pubkey(p[0]);
    const lamports = u64param(p, 1);
    if (lamports === 0) throw invalidParams("Invalid params: lamports must be positive");
    return c.airdrop(to, BigInt(lamports));
  },
  sendTransaction: (c, p) => {
    const opts = param(p, 1, "object");
    return c.submit(decodeTx(p[0], opts.encoding), { preflight: !opts.skipPreflight });
  },
  simulateTransaction: (c, p) => simulate(c, p),
  getSignatureStatuses: (c, p) => {
    if (!Array.isArray(p[0])) throw invalidParams("Invalid params: argument 0 must be a list of signatures");
    if (p[0].length > 256) throw invalidParams("Too many inputs provided; max 256");
    return { context: { slot: c.slot }, value: p[0].map((s) => {
      if (typeof s !== "string") throw invalidParams("Invalid param: Invalid");
      const rec = c.history.get(s);
      return rec ? status(rec) : null;
    }) };
  },
  getSignaturesForAddress: (c, p) => {
    const addr = Buffer.from(pubkey(p[0])).toString("hex");
    const opts = param(p, 1, "object");
    const limit = opts.limit ?? 1000;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000) throw invalidParams("Invalid limit; max 1000");
    const list = c.byAddress.get(addr) ?? [];
    let end = list.length; // exclusive, walking down
    if (opts.before !== undefined && opts.before !== null) {
      const b = c.history.get(opts.before);
      end = b ? lowerBound(list, b.seq) : 0;
    }
    let stop = -1;
    if (opts.until !== undefined && opts.until !== null) {
      const u = c.history.get(opts.until);
      if (u) stop = lowerBound(list, u.seq);
    }
    const out = [];
    for (let i = end - 1; i > stop && out.length < limit; i--) {
      const r = list[i];
      out.push({ signature: r.sig, slot: r.slot, err: r.err, memo: r.memo, blockTime: r.time, confirmationStatus: "finalized" });
    }
    return out;
  },
  getTransaction: (c, p) => {
    const entry = c.history.get(param(p, 0, "string"));
    const opts = typeof p[1] === "string" ? { encoding: p[1] } : param(p, 1, "object");
    if (!entry) return null;
    const rec = JSON.parse(entry.line);
    const max = opts.maxSupportedTransactionVersion;
    if (rec.version === 0 && (max === undefined || max === null)) {
      throw new RpcError(-32015, 'Transaction version (0) is not supported by the requesting client. Please try the request again with the following configuration parameter: "maxSupportedTransactionVersion": 0');
    }
    const enc = opts.encoding ?? "json";
    let transaction;
    if (enc === "base64") transaction = [rec.tx, "base64"];
    else if (enc === "base58") transaction = [b58encode(Buffer.from(rec.tx, "base64")), "base58"];
    else if (enc === "json" || enc === "jsonParsed") transaction = transactionJSON(rec);
    else throw invalidParams(`Invalid params: unsupported encoding: ${enc}`);
    return {
      slot: rec.slot,
      blockTime: rec.time,
      transaction,
      meta: {
        err: rec.err, fee: num(BigInt(rec.fee)), status: rec.err === null ? { Ok: null } : { Err: rec.err },
        logMessages: rec.logs, computeUnitsConsumed: rec.cu,
        preBalances: rec.pre.map((b) => num(BigInt(b))), postBalances: rec.post.map((b) => num(BigInt(b))),
        preTokenBalances: rec.preToken.map(tokenBalanceJSON), postTokenBalances: rec.postToken.map(tokenBalanceJSON),
        innerInstructions: [], rewards: [], loadedAddresses: { writable: rec.lw.map(b58), readonly: rec.lr.map(b58) },
      },
      version: rec.version,
    };
  },
};

// filters checks getProgramAccounts' filters: dataSize, and memcmp with
// base58 (the default) or base64 bytes.
function filters(list) {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list) || list.length > 4) throw invalidParams("Invalid params: filters must be a list of at most 4");
  return list.map((f) => {
    if (f && Number.isSafeInteger(f.dataSize) && f.dataSize >= 0) return { dataSize: f.dataSize };
    const m = f && f.memcmp;
    if (!m || !Number.isSafeInteger(m.offset) || m.offset < 0 || typeof m.bytes !== "string") throw invalidParams("Invalid params: a filter is a dataSize or a memcmp");
    const bytes = m.encoding === "base64" ? Buffer.from(m.bytes, "base64") : b58decode(m.bytes);
    if (!bytes || bytes.length > 128) throw invalidParams("Invalid params: memcmp bytes");
    return { offset: m.offset, bytes };
  });
}

function matches(data, fs) {
  for (const f of fs) {
    if (f.dataSize !== undefined) {
      if (data.length !== f.dataSize) return false;
    } else if (f.offset + f.bytes.length > data.length || Buffer.compare(data.subarray(f.offset, f.offset + f.bytes.length), f.bytes) !== 0) {
      return false;
    }
  }
  return true;
}

// keyedAccounts is the accounts owned by program whose data passes the
// filters, as {pubkey, account}.
function keyedAccounts(c, program, fs, opts) {
  const out = [];
  for (const x of c.inner.getProgramAccounts(program)) {
    const a = x.account();
    const d = a.data();
    if (matches(Buffer.from(d.buffer, d.byteOffset, d.length), fs)) out.push({ pubkey: b58encode(x.address), account: accountJSON(a, opts) });
  }
  return out;
}

// lowerBound is the index of the first record in list with seq >= seq.
function lowerBound(list, seq) {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid].seq < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function simulate(c, p) {
  const opts = param(p, 1, "object");
  const raw = decodeTx(p[0], opts.encoding);
  const msg = parseTransaction(raw);
  if (opts.sigVerify && opts.replaceRecentBlockhash) throw invalidParams("Invalid params: sigVerify may not be used with replaceRecentBlockhash");
  const context = { slot: c.slot };
  const result = (err, logs, units, accounts = null) => ({
    context,
    value: {
      err, logs, accounts, unitsConsumed: units, returnData: null, innerInstructions: null, loadedAccountsDataSize: 0,
      replacementBlockhash: opts.replaceRecentBlockhash ? { blockhash: c.latest, lastValidBlockHeight: c.lastValid(c.latestHex) } : null,
    },
  });
  if (!opts.replaceRecentBlockhash && !c.ring.has(msg.blockhash)) return result("BlockhashNotFound", [], 0);
  // A validator simulates without checking signatures unless asked to.
  c.inner.setSigverify(Boolean(opts.sigVerify));
  let out;
  try {
    out = msg.version === "legacy" ? c.inner.simulateLegacyTransaction(raw) : c.inner.simulateVersionedTransaction(raw);
  } finally {
    c.inner.setSigverify(true);
  }
  if (typeof out.err === "function") {
    const e = txError(out.err());
    if (e.json === "SignatureFailure") throw new RpcError(-32003, "Transaction signature verification failure");
    return result(e.json, out.meta().logs(), Number(out.meta().computeUnitsConsumed()));
  }
  const meta = out.meta();
  let accounts = null;
  if (opts.accounts && Array.isArray(opts.accounts.addresses)) {
    const post = new Map(out.postAccounts().map((x) => [b58encode(x.address), x.account()]));
    const enc = { encoding: opts.accounts.encoding ?? "base64" };
    accounts = opts.accounts.addresses.map((a) => accountJSON(post.get(a) ?? c.account(pubkey(a)), enc));
  }
  return result(null, meta.logs(), Number(meta.computeUnitsConsumed()), accounts);
}

// ---------------------------------------------------------------- JSON-RPC

const rpcError = (id, code, message, data) => ({ jsonrpc: "2.0", error: data === undefined ? { code, message } : { code, message, data }, id });

/** call answers one parsed JSON-RPC request object, or returns undefined for a notification. */
export function call(chain, req) {
  chain.finish();
  if (req === null || typeof req !== "object" || Array.isArray(req)) return rpcError(null, -32600, "Invalid request");
  const id = req.id === undefined ? null : req.id;
  if (id !== null && typeof id !== "string" && typeof id !== "number") return rpcError(null, -32600, "Invalid request");
  if (req.jsonrpc !== "2.0" || typeof req.method !== "string") return rpcError(id, -32600, "Invalid request");
  const fn = Object.hasOwn(methods, req.method) ? methods[req.method] : undefined;
  let res;
  if (!fn) {
    res = rpcError(id, -32601, "Method not found");
  } else if (req.params !== undefined && !Array.isArray(req.params)) {
    res = rpcError(id, -32602, "Invalid params: params must be an array");
  } else {
    try {
      res = { jsonrpc: "2.0", result: fn(chain, req.params ?? []), id };
    } catch (e) {
      res = e instanceof RpcError ? rpcError(id, e.code, e.message, e.data) : rpcError(id, -32603, `Internal error: ${e && e.message}`);
    }
  }
  return req.id === undefined ? undefined : res;
}

/** handle answers a request body: one request or a batch. It never throws. */
export function handle(chain, body) {
  let req;
  try {
    req = JSON.parse(body);
  } catch {
    return stringify(rpcError(null, -32700, "Parse error"));
  }
  if (Array.isArray(req)) {
    if (req.length === 0) return stringify(rpcError(null, -32600, "Invalid request"));
    const out = req.map((r) => call(chain, r)).filter((r) => r !== undefined);
    return out.length ? stringify(out) : "";
  }
  const res = call(chain, req);
  return res === undefined ? "" : stringify(res);
}

const MAX_BODY = 1 << 20;

/** serve answers JSON-RPC over HTTP on host:port and resolves to the server once it listens. */
export function serve(chain, { host = "127.0.0.1", port = 0 } = {}) {
  // Answers wait for the journal: the requests that arrived together are
  // answered together after one write of all they landed.
  const waiting = [];
  let scheduled = false;
  const answer = () => {
    scheduled = false;
    try {
      chain.flush();
    } catch (e) {
      // Nothing unwritten was acknowledged; a chain that cannot write its
      // journal must not acknowledge more.
      process.stderr.write(`rpc.mjs: writing the journal: ${e.stack || e}\n`);
      process.exit(1);
    }
    for (const [res, out] of waiting) {
      if (out === "") res.writeHead(204).end();
      // A known length and one string: Node sends the head and the body in
      // one write, not chunked in three.
      else res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(out) }).end(out);
    }
    waiting.length = 0;
    // The answers are on their way: the records of what they landed are
    // completed while the clients read them.
    chain.finish();
  };
  const server = http.createServer({ keepAliveTimeout: 60000, noDelay: true }, (req, res) => {
    if (req.method === "GET" && req.url === "/health") {
      res.writeHead(200, { "Content-Type": "text/plain" }).end("ok");
      return;
    }
    if (req.method !== "POST") {
      res.writeHead(405, { "Content-Type": "text/plain" }).end("POST JSON-RPC 2.0, or GET /health\n");
      return;
    }
    const chunks = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > MAX_BODY) {
        tooLarge = true;
        chunks.length = 0;
        res.writeHead(413, { "Content-Type": "application/json", Connection: "close" });
        res.end(stringify(rpcError(null, -32600, `Invalid request: body larger than ${MAX_BODY} bytes`)));
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (tooLarge) return;
      waiting.push([res, handle(chain, Buffer.concat(chunks).toString("utf8"))]);
      if (!scheduled) {
        scheduled = true;
        setImmediate(answer);
      }
    });
    req.on("error", () => res.destroy());
  });
  server.on("clientError", (_, socket) => socket.destroy());
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve(server));
  });
}

function parseArgs(argv) {
  const opts = { host: "127.0.0.1", port: 0, state: "", slotMs: 20, validity: 150, exitWithStdin: false };
  const names = { "--host": "host", "--port": "port", "--state": "state", "--slot-ms": "slotMs", "--blockhash-validity": "validity" };
  for (let i = 0; i < argv.length; i += 2) {
    if (argv[i] === "--exit-with-stdin") {
      opts.exitWithStdin = true;
      i--;
      continue;
    }
    const name = names[argv[i]];
    if (!name || argv[i + 1] === undefined) throw new Error(`unknown or incomplete argument ${argv[i]}; usage: node rpc.mjs [--host H] [--port P] [--state DIR] [--slot-ms MS] [--blockhash-validity BLOCKS] [--exit-with-stdin]`);
    opts[name] = typeof opts[name] === "number" ? Number(argv[i + 1]) : argv[i + 1];
  }
  for (const k of ["port", "slotMs", "validity"]) {
    if (!Number.isSafeInteger(opts[k]) || opts[k] < (k === "port" ? 0 : 1)) throw new Error(`--${k} must be a positive integer`);
  }
  if (opts.host !== "127.0.0.1" && opts.host !== "localhost") throw new Error("--host must be a loopback address: this is a test validator");
  return opts;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const chain = new Chain({ stateDir: opts.state, validity: opts.validity });
  const server = await serve(chain, opts);
  setInterval(() => {
    try {
      chain.tick();
    } catch (e) {
      process.stderr.write(`rpc.mjs: slot ${chain.slot}: ${e.stack || e}\n`);
    }
  }, opts.slotMs);
  const addr = server.address();
  process.stdout.write(`listening http://${addr.address}:${addr.port}\n`);
  for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => process.exit(0));
  if (opts.exitWithStdin) {
    process.stdin.on("end", () => process.exit(0));
    process.stdin.on("error", () => process.exit(0));
    process.stdin.resume();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main().catch((e) => {
    process.stderr.write(`rpc.mjs: ${e.stack || e}\n`);
    process.exit(1);
  });
}
