// signin-page.js wires the sign-in page's controls to signin.js: a
// keypair file read in the page (its bytes zeroed once signed), or a
// Solana wallet's signMessage where one is present.
import { parseKeypairFile, signIn, signInWithWallet, signOut } from './signin.js';

const status = document.getElementById('signin-status');
const done = () => { status.textContent = 'Signed in.'; location.assign('/worker'); };
const failed = (e) => { status.textContent = 'Not signed in: ' + e.message; };

document.getElementById('signin-file').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const input = document.getElementById('keypair');
  const file = input.files[0];
  if (!file) return;
  status.textContent = 'Signing in…';
  try {
    await signIn(parseKeypairFile(await file.text()));
    input.value = '';
    done();
  } catch (e) {
    failed(e);
  }
});

const walletButton = document.getElementById('signin-wallet');
if (typeof globalThis.solana?.signMessage === 'function') {
  walletButton.hidden = false;
  walletButton.addEventListener('click', () => signInWithWallet(globalThis.solana).then(done, failed));
}

document.getElementById('signout').addEventListener('click', async () => {
  await signOut();
  status.textContent = 'Signed out.';
});
