package sqldb_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/internal/sqldb"
	"github.com/internetofgpus/iog/internal/sqltest"
)

var ctx = context.Background()

var steps = []sqldb.Migration{
	{Version: 1, Name: "widgets", Statements: []string{"CREATE TABLE widgets (id BIGINT PRIMARY KEY, blob BYTEA)"}},
	{Version: 2, Name: "widget names", Statements: []string{"ALTER TABLE widgets ADD COLUMN name TEXT NOT NULL DEFAULT ''", "CREATE TABLE widget_log (id SERIAL_ID, what TEXT NOT NULL)",
		"CREATE TABLE widget_tags (widget BIGINT NOT NULL, tag TEXT NOT NULL, PRIMARY KEY (widget, tag)) WITHOUT_ROWID"}},
}

func TestMigrate(t *testing.T) {
	for _, d := range sqltest.Dialects {
		t.Run(d.String(), func(t *testing.T) {
			db := sqltest.Open(t, d)
			got, err := sqldb.Detect(ctx, db)
			require.NoError(t, err)
			require.Equal(t, d, got)

			require.NoError(t, sqldb.Migrate(ctx, db, d, "test", steps[:1]))
			// Processes starting at once migrate each step once.
			var wg sync.WaitGroup
			errs := make([]error, 4)
			for i := range errs {
				wg.Go(func() { errs[i] = sqldb.Migrate(ctx, db, d, "test", steps) })
			}
			wg.Wait()
			for _, err := range errs {
				require.NoError(t, err)
			}
			var n int
			require.NoError(t, db.QueryRowContext(ctx, "SELECT COUNT(*) FROM schema_migrations WHERE component = 'test'").Scan(&n))
			require.Equal(t, 2, n)
			_, err = db.ExecContext(ctx, "INSERT INTO widgets (id, blob, name) VALUES ($1, $2, $3)", 1, []byte{0, 1}, "a")
			require.NoError(t, err)
			var id1, id2 int64
			require.NoError(t, db.QueryRowContext(ctx, "INSERT INTO widget_log (what) VALUES ('a') RETURNING id").Scan(&id1))
			require.NoError(t, db.QueryRowContext(ctx, "INSERT INTO widget_log (what) VALUES ('b') RETURNING id").Scan(&id2))
			require.Greater(t, id2, id1, "the database numbers SERIAL_ID rows")
			_, err = db.ExecContext(ctx, "INSERT INTO widget_tags (widget, tag) VALUES (1, 'blue')")
			require.NoError(t, err)
			if d == sqldb.SQLite {
				var withoutRowid int
				require.NoError(t, db.QueryRowContext(ctx, "SELECT wr FROM pragma_table_list WHERE name = 'widget_tags'").Scan(&withoutRowid))
				require.Equal(t, 1, withoutRowid, "WITHOUT_ROWID")
			}

			// Another component has its own versions.
			require.NoError(t, sqldb.Migrate(ctx, db, d, "other", []sqldb.Migration{{Version: 1, Name: "x", Statements: []string{"CREATE TABLE other_x (id BIGINT)"}}}))

			err = sqldb.Migrate(ctx, db, d, "test", steps[:1])
			require.ErrorIs(t, err, iog.ErrConflict, "a database newer than the program")
			err = sqldb.Migrate(ctx, db, d, "test", []sqldb.Migration{steps[1]})
			require.ErrorIs(t, err, iog.ErrInvalid, "steps numbered from 1 without gaps")

			bad := append(append([]sqldb.Migration(nil), steps...), sqldb.Migration{Version: 3, Name: "bad", Statements: []string{"CREATE TABLE widgets_3 (id BIGINT)", "NOT SQL"}})
			require.Error(t, sqldb.Migrate(ctx, db, d, "test", bad))
			require.NoError(t, db.QueryRowContext(ctx, "SELECT COUNT(*) FROM schema_migrations WHERE component = 'test'").Scan(&n))
			require.Equal(t, 2, n, "a failed step is not recorded")
			_, err = db.ExecContext(ctx, "SELECT * FROM widgets_3")
			require.Error(t, err, "and its statements rolled back")
		})
	}
}

func TestInTx(t *testing.T) {
	for _, d := range sqltest.Dialects {
		t.Run(d.String(), func(t *testing.T) {
			db := sqltest.Open(t, d)
			_, err := db.ExecContext(ctx, "CREATE TABLE counter (id BIGINT PRIMARY KEY, n BIGINT NOT NULL)")
			require.NoError(t, err)
			_, err = db.ExecContext(ctx, "INSERT INTO counter VALUES (1, 0)")
			require.NoError(t, err)
			failing := errors.New("fail")
			err = sqldb.InTx(ctx, db, func(tx *sql.Tx) error {
				if _, err := tx.ExecContext(ctx, "UPDATE counter SET n = n + 1"); err != nil {
					return err
				}
				return failing
			})
			require.ErrorIs(t, err, failing)
			// Concurrent increments all land.
			var wg sync.WaitGroup
			for range 8 {
				wg.Go(func() {
					for range 10 {
						require.NoError(t, sqldb.InTx(ctx, db, func(tx *sql.Tx) error {
							_, err := tx.ExecContext(ctx, "UPDATE counter SET n = n + 1 WHERE id = 1")
							return err
						}))
					}
				})
			}
			wg.Wait()
			var n int
			require.NoError(t, db.QueryRowContext(ctx, "SELECT n FROM counter").Scan(&n))
			require.Equal(t, 80, n)
		})
	}
}

type pgErr string

func (e pgErr) Error() string    { return string(e) }
func (e pgErr) SQLState() string { return string(e) }

type liteErr int

func (e liteErr) Error() string { return "sqlite" }
func (e liteErr) Code() int     { return int(e) }

func TestTransient(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{pgErr("40001"), true},
		{pgErr("40P01"), true},
		{pgErr("23505"), false},
		{liteErr(5), true},
		{liteErr(517), true}, // SQLITE_BUSY_SNAPSHOT
		{liteErr(6), true},
		{liteErr(19), false},
		{errors.New("other"), false},
		{nil, false},
		{fmt.Errorf("insert: %w", sqldb.ErrRetry), true},
	} {
		require.Equal(t, tt.want, sqldb.Transient(tt.err), "%v", tt.err)
	}
}
