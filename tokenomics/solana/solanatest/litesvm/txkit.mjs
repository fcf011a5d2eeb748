// txkit.mjs: the transactions rpc.test.mjs and bench.mjs send, built and
// signed with @solana/kit: system and SPL Token instructions by hand (their
// layouts are small and fixed), a Memo, and a signed wire transaction.
import * as kit from "@solana/kit";

export const SYSTEM = "11111111111111111111111111111111";
export const TOKEN = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA";
export const MEMO = "MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr";
export const COMPUTE_BUDGET = "ComputeBudget111111111111111111111111111111";
export const LOOKUP_TABLE = "AddressLookupTab1e1111111111111111111111111";
export const MINT_SIZE = 82;
export const TOKEN_ACCOUNT_SIZE = 165;

const { READONLY, WRITABLE, READONLY_SIGNER, WRITABLE_SIGNER } = kit.AccountRole;
const addr = kit.getAddressCodec();

function data(...parts) {
  const out = [];
  for (const p of parts) {
    if (typeof p === "number") out.push(p);
    else out.push(...p);
  }
  return new Uint8Array(out);
}
const u32 = (v) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v, true);
  return b;
};
const u64 = (v) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(v), true);
  return b;
};
const key = (a) => addr.encode(a);
const meta = (address, role, signer) => (signer ? { address, role, signer } : { address, role });

/** transfer is a System Program transfer of lamports. */
export const transfer = (from, to, lamports) => ({
  programAddress: SYSTEM, accounts: [meta(from.address, WRITABLE_SIGNER, from), meta(to, WRITABLE)], data: data(u32(2), u64(lamports)),
});

/** createAccount makes a new account of space bytes owned by owner. */
export const createAccount = (payer, account, lamports, space, owner) => ({
  programAddress: SYSTEM,
  accounts: [meta(payer.address, WRITABLE_SIGNER, payer), meta(account.address, WRITABLE_SIGNER, account)],
  data: data(u32(0), u64(lamports), u64(space), key(owner)),
});

/** initializeMint2 makes account a mint with decimals and no freeze authority. */
export const initializeMint2 = (mint, decimals, authority) => ({
  programAddress: TOKEN, accounts: [meta(mint, WRITABLE)], data: data(20, decimals, key(authority), 0),
});

/** initializeAccount3 makes account a token account of mint held by owner. */
export const initializeAccount3 = (account, mint, owner) => ({
  programAddress: TOKEN, accounts: [meta(account, WRITABLE), meta(mint, READONLY)], data: data(18, key(owner)),
});

/** mintTo mints amount of mint into account. */
export const mintTo = (mint, account, authority, amount) => ({
  programAddress: TOKEN, accounts: [meta(mint, WRITABLE), meta(account, WRITABLE), meta(authority.address, READONLY_SIGNER, authority)], data: data(7, u64(amount)),
});

/** transferChecked moves amount of mint from source to destination. */
export const transferChecked = (source, mint, destination, owner, amount, decimals) => ({
  programAddress: TOKEN,
  accounts: [meta(source, WRITABLE), meta(mint, READONLY), meta(destination, WRITABLE), meta(owner.address, READONLY_SIGNER, owner)],
  data: data(12, u64(amount), decimals),
});

/** memo is a Memo v2 instruction carrying text, with no signers. */
export const memo = (text) => ({ programAddress: MEMO, accounts: [], data: new TextEncoder().encode(text) });

/** computeUnitPrice sets the priority fee in micro-lamports per compute unit. */
export const computeUnitPrice = (microLamports) => ({ programAddress: COMPUTE_BUDGET, accounts: [], data: data(3, u64(microLamports)) });

/** lookupTable is the address and bump of authority's lookup table derived from recentSlot. */
export async function lookupTable(authority, recentSlot) {
  const [address, bump] = await kit.getProgramDerivedAddress({ programAddress: LOOKUP_TABLE, seeds: [key(authority), u64(recentSlot)] });
  return { address, bump };
}

/** createLookupTable makes the lookup table derived from recentSlot, paid by payer. */
export const createLookupTable = (table, authority, payer, recentSlot) => ({
  programAddress: LOOKUP_TABLE,
  accounts: [meta(table.address, WRITABLE), meta(authority.address, READONLY_SIGNER, authority), meta(payer.address, WRITABLE_SIGNER, payer), meta(SYSTEM, READONLY)],
  data: data(u32(0), u64(recentSlot), table.bump),
});

/** extendLookupTable appends addresses to a lookup table. */
export const extendLookupTable = (table, authority, payer, addresses) => ({
  programAddress: LOOKUP_TABLE,
  accounts: [meta(table, WRITABLE), meta(authority.address, READONLY_SIGNER, authority), meta(payer.address, WRITABLE_SIGNER, payer), meta(SYSTEM, READONLY)],
  data: data(u32(2), u64(addresses.length), ...addresses.map(key)),
});

/** signer makes a new ed25519 key pair signer. */
export const signer = () => kit.generateKeyPairSigner();

/**
 * build compiles and signs a transaction, returning its wire bytes. version
 * is "legacy" or 0; a v0 message takes the accounts it can from lookups,
 * {tableAddress: [addresses]}.
 */
export async function build(payer, instructions, blockhash, version = "legacy", lookups = null) {
  let message = kit.pipe(
    kit.createTransactionMessage({ version }),
    (m) => kit.setTransactionMessageFeePayerSigner(payer, m),
    (m) => kit.setTransactionMessageLifetimeUsingBlockhash({ blockhash, lastValidBlockHeight: 0n }, m),
    (m) => kit.appendTransactionMessageInstructions(instructions, m),
  );
  if (lookups) message = kit.compressTransactionMessageUsingAddressLookupTables(message, lookups);
  const tx = await kit.signTransactionMessageWithSigners(message);
  return Buffer.from(kit.getTransactionEncoder().encode(tx));
}

/**
 * tokenAccountData is the 165-byte state of an initialized token account,
 * for setting up many accounts at once without a transaction each.
 */
export function tokenAccountData(mint, owner, amount = 0n) {
  const d = new Uint8Array(TOKEN_ACCOUNT_SIZE);
  d.set(key(mint), 0);
  d.set(key(owner), 32);
  d.set(u64(amount), 64);
  d[108] = 1; // initialized
  return d;
}
