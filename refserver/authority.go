package refserver

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/internetofgpus/iog"
)

// AuthorityFile is the name of the authority key file in the data
// directory: a Solana CLI keypair file.
const AuthorityFile = "authority.json"

// LoadAuthority reads the authority key in dir (AuthorityFile), or makes
// one from random (nil: crypto/rand) and writes it, readable by the owner
// only, when there is none: the key a Server of that DataDir and no
// Config.Authority uses, for a program that needs it before the server
// starts (to sign on a chain with it, say).
func LoadAuthority(dir string, random io.Reader) (ed25519.PrivateKey, error) {
	path := filepath.Join(dir, AuthorityFile)
	data, err := os.ReadFile(path)
	if err == nil {
		key, err := iog.ParseSolanaKeypair(data)
		if err != nil {
			return nil, fmt.Errorf("authority key %s: %w", path, err)
		}
		return key, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("authority key: %w", err)
	}
	_, key, err := ed25519.GenerateKey(random)
	if err != nil {
		return nil, fmt.Errorf("authority key: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("authority key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("authority key: %w", err)
	}
	_, err = f.Write(iog.MarshalSolanaKeypair(key))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("authority key: %w", err)
	}
	return key, nil
}
