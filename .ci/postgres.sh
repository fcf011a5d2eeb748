#!/usr/bin/env bash
# postgres.sh start DIR | stop DIR
#
# Starts a throwaway PostgreSQL cluster in DIR (an empty directory) for the
# tests, listening only on a Unix socket in DIR, and prints its DSN; stops
# it and removes DIR. When the server programs are missing and we are root,
# it installs Debian's postgresql package first. initdb refuses to run as
# root, so as root the cluster belongs to the postgres user.
set -euo pipefail

bindir() {
	local d
	for d in /usr/lib/postgresql/*/bin; do
		if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; fi
	done | sort -V | tail -n 1
}

as_owner() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cmd=${1:-}
dir=${2:-}
[ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }

case "$cmd" in
start)
	bin=$(bindir)
	if [ -z "$bin" ] && [ "$(id -u)" = 0 ]; then
		echo "installing postgresql" >&2
		apt-get update -qq >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
		bin=$(bindir)
	fi
	[ -n "$bin" ] || { echo "postgres.sh: no PostgreSQL server programs (install Debian's postgresql)" >&2; exit 1; }
	mkdir -p "$dir"
	if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; fi
	as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; exit 1; }
	as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
		-o "-c listen_addresses='' -c unix_socket_directories='$dir' -c fsync=off -c max_connections=300" \
		start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
	echo "host=$dir port=5432 user=postgres dbname=postgres sslmode=disable"
	;;
stop)
	bin=$(bindir)
	if [ -n "$bin" ] && [ -f "$dir/data/postmaster.pid" ]; then
		as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
	fi
	rm -rf "$dir"
	;;
*)
	echo "usage: $0 start|stop DIR" >&2; exit 2
	;;
esac
