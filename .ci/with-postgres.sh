#!/usr/bin/env bash
# with-postgres.sh COMMAND...
#
# Runs COMMAND with IOG_TEST_POSTGRES naming a PostgreSQL server for the
# tests: the one the variable already names, or a throwaway one started
# for the command (postgres.sh) and stopped after it. If none can be
# started, the command still runs, and the PostgreSQL half of the tests
# skips and says so.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ -z "${IOG_TEST_POSTGRES:-}" ]; then
	pgdir=$(mktemp -d)
	trap '"$here/postgres.sh" stop "$pgdir"' EXIT
	if dsn=$("$here/postgres.sh" start "$pgdir"); then
		export IOG_TEST_POSTGRES="$dsn"
	else
		echo "warning: no PostgreSQL server could be started; its tests will skip" >&2
	fi
fi
"$@"
