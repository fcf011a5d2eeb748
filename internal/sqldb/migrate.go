package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"hash/fnv"

	"github.com/internetofgpus/iog"
)

// Migration is one versioned step of a component's schema.
type Migration struct {
	// Version numbers the component's steps from 1, without gaps.
	Version int
	// Name says what the step does, for people reading the table.
	Name string
	// Statements run in order, in the step's transaction.
	Statements []string
}

// migrationsTable records, for every component, the steps applied.
const migrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	component TEXT NOT NULL,
	version BIGINT NOT NULL,
	name TEXT NOT NULL,
	PRIMARY KEY (component, version)
)`

// Migrate brings a component's tables up to date: it applies, in order and
// each in its own transaction with its record in schema_migrations, every
// step not applied yet. Processes that migrate at once are serialized (by
// an advisory lock on PostgreSQL, by SQLite's write lock), so each step runs
// once. A database migrated by a newer version of the component than the
// steps given is refused (iog.ErrConflict): this code would not know its
// tables.
func Migrate(ctx context.Context, db *sql.DB, d Dialect, component string, steps []Migration) error {
	for i, m := range steps {
		if m.Version != i+1 {
			return fmt.Errorf("migrate %s: step %d is numbered %d: %w", component, i+1, m.Version, iog.ErrInvalid)
		}
	}
	if _, err := db.ExecContext(ctx, migrationsTable); err != nil {
		return fmt.Errorf("migrate %s: %w", component, err)
	}
	for _, m := range steps {
		err := InTx(ctx, db, func(tx *sql.Tx) error {
			if err := lockMigrations(ctx, tx, d, component); err != nil {
				return err
			}
			var applied int
			if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations WHERE component = $1", component).Scan(&applied); err != nil {
				return err
			}
			if applied > len(steps) {
				return fmt.Errorf("the database is at version %d, this program knows %d: %w", applied, len(steps), iog.ErrConflict)
			}
			if applied >= m.Version {
				return nil
			}
			for _, stmt := range m.Statements {
				if _, err := tx.ExecContext(ctx, stmt); err != nil {
					return fmt.Errorf("step %d (%s): %w", m.Version, m.Name, err)
				}
			}
			_, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (component, version, name) VALUES ($1, $2, $3)", component, m.Version, m.Name)
			return err
		})
		if err != nil {
			return fmt.Errorf("migrate %s: %w", component, err)
		}
	}
	return nil
}

// lockMigrations makes concurrent migrations of a component wait for one
// another. SQLite needs nothing: a write transaction excludes the others.
func lockMigrations(ctx context.Context, tx *sql.Tx, d Dialect, component string) error {
	if d != Postgres {
		return nil
	}
	h := fnv.New64a()
	h.Write([]byte("iog-migrate:" + component))
	_, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", int64(h.Sum64()))
	return err
}
