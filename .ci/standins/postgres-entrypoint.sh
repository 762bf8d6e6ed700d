#!/usr/bin/env bash
# Entrypoint da imagem substituta de Postgres usada só no CI (sem registry).
# Segue o contrato da imagem oficial postgres: POSTGRES_PASSWORD, POSTGRES_USER,
# POSTGRES_DB, PGDATA (/var/lib/postgresql/data), /docker-entrypoint-initdb.d
# (*.sh, *.sql, *.sql.gz) executado só quando o diretório de dados está vazio.
set -Eeuo pipefail

: "${PGDATA:=/var/lib/postgresql/data}"
: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
export PGDATA POSTGRES_USER POSTGRES_DB

if [ "${1:-}" = 'postgres' ] && [ "$(id -u)" = '0' ]; then
	mkdir -p "$PGDATA" /var/run/postgresql
	chown -R postgres:postgres "$PGDATA" /var/run/postgresql
	chmod 700 "$PGDATA"
	exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

if [ "${1:-}" = 'postgres' ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
	if [ -z "${POSTGRES_PASSWORD:-}" ]; then
		echo 'Error: Database is uninitialized and superuser password is not specified.' >&2
		echo '       You must specify POSTGRES_PASSWORD to a non-empty value.' >&2
		exit 1
	fi
	pwfile=$(mktemp)
	printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
	initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --auth-local=trust \
		--auth-host=scram-sha-256 -D "$PGDATA" >/dev/null
	rm -f "$pwfile"
	printf "listen_addresses = '*'\n" >> "$PGDATA/postgresql.conf"
	printf 'host all all all scram-sha-256\n' >> "$PGDATA/pg_hba.conf"

	# servidor temporário só no socket unix, como a imagem oficial
	pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
	psql=(psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc)
	if [ "$POSTGRES_DB" != 'postgres' ]; then
		"${psql[@]}" --dbname postgres -q -c "CREATE DATABASE \"$POSTGRES_DB\";"
	fi
	for f in /docker-entrypoint-initdb.d/*; do
		[ -e "$f" ] || continue
		case "$f" in
			*.sh)
				echo "$0: running $f"
				# shellcheck disable=SC1090 # scripts do usuário, conhecidos só em tempo de execução
				. "$f" ;;
			*.sql) echo "$0: running $f"; "${psql[@]}" --dbname "$POSTGRES_DB" -f "$f" ;;
			*.sql.gz) echo "$0: running $f"; gunzip -c "$f" | "${psql[@]}" --dbname "$POSTGRES_DB" ;;
			*) echo "$0: ignoring $f" ;;
		esac
	done
	pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
	echo 'PostgreSQL init process complete; ready for start up.'
fi

exec "$@"
