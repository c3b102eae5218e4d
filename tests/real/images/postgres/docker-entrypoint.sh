#!/bin/bash
# Entrypoint of the PostgreSQL stand-in. The contract it keeps (the official image's, as
# the dev stack uses it):
#   - `postgres` (the default command) or options alone start the server; anything else runs as given;
#   - on first start, an empty PGDATA gets a cluster: superuser POSTGRES_USER (default postgres)
#     with POSTGRES_PASSWORD or the first line of POSTGRES_PASSWORD_FILE, database POSTGRES_DB
#     (default the user's name), scram-sha-256 for every host connection, trust on the local
#     socket, listening on all addresses, POSTGRES_INITDB_ARGS passed to initdb, and
#     /docker-entrypoint-initdb.d/*.sql and *.sh run once;
#   - a PGDATA that already holds a cluster is started as it is, never initialised again;
#   - started as root it takes ownership of PGDATA and drops to postgres (999:999).
set -Eeuo pipefail

fail() {
  echo "docker-entrypoint.sh: $*" >&2
  exit 1
}

# NAME from $NAME or from the file $NAME_FILE names, never both; DEFAULT otherwise.
from_env_or_file() {
  local name=$1 default=${2:-}
  local file_name="${name}_FILE"
  local value=${!name:-} file=${!file_name:-}
  if [ -n "$value" ] && [ -n "$file" ]; then
    fail "set $name or $file_name, not both"
  fi
  if [ -n "$file" ]; then
    [ -r "$file" ] || fail "$file_name names $file, which this user ($(id -u):$(id -g)) cannot read"
    IFS= read -r value <"$file" || [ -n "$value" ] || fail "$file is empty"
  fi
  export "$name=${value:-$default}"
  unset "$file_name"
}

if [ "${1:-}" = "" ] || [ "${1:0:1}" = "-" ]; then
  set -- postgres "$@"
fi
if [ "$1" != "postgres" ]; then
  exec "$@"
fi

export PGDATA=${PGDATA:-/var/lib/postgresql/data}

if [ "$(id -u)" = "0" ]; then
  mkdir -p "$PGDATA"
  chown postgres:postgres "$PGDATA"
  chmod 0700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

initialise() {
  from_env_or_file POSTGRES_PASSWORD
  from_env_or_file POSTGRES_USER postgres
  from_env_or_file POSTGRES_DB "$POSTGRES_USER"
  local auth=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}
  if [ -z "$POSTGRES_PASSWORD" ] && [ "$auth" != "trust" ]; then
    fail "the database is not initialised and no superuser password is set: set POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE"
  fi

  mkdir -p "$PGDATA"
  chmod 0700 "$PGDATA" 2>/dev/null || true
  echo "docker-entrypoint.sh: initialising a cluster in $PGDATA" >&2
  # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS holds several words on purpose.
  local initdb=(initdb --username="$POSTGRES_USER" --auth-local=trust --auth-host="$auth" ${POSTGRES_INITDB_ARGS:-})
  if [ -n "$POSTGRES_PASSWORD" ]; then
    # The password reaches initdb through a pipe, never a file on disk or the command line.
    "${initdb[@]}" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD")
  else
    "${initdb[@]}"
  fi
  printf '\n# Added by the entrypoint: every host connection authenticates.\nhost all all all %s\n' "$auth" >>"$PGDATA/pg_hba.conf"
  printf "\n# Added by the entrypoint: the server is reached over the container's network.\nlisten_addresses = '*'\n" \
    >>"$PGDATA/postgresql.conf"

  # A server on the local socket only, until the database and init scripts are in place.
  pg_ctl --pgdata="$PGDATA" --wait --silent --options="-c listen_addresses=''" start
  local psql=(psql --no-psqlrc --set=ON_ERROR_STOP=1 --username="$POSTGRES_USER" --no-password)
  if [ "$POSTGRES_DB" != "postgres" ]; then
    "${psql[@]}" --dbname=postgres --set=db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
  fi
  local script
  for script in /docker-entrypoint-initdb.d/*; do
    case "$script" in
      *.sql) echo "docker-entrypoint.sh: running $script" >&2; "${psql[@]}" --dbname="$POSTGRES_DB" --file="$script" ;;
      *.sh) echo "docker-entrypoint.sh: running $script" >&2; . "$script" ;;
      *) if [ -e "$script" ]; then echo "docker-entrypoint.sh: ignoring $script" >&2; fi ;;
    esac
  done
  pg_ctl --pgdata="$PGDATA" --wait --silent --mode=fast stop
  echo "docker-entrypoint.sh: cluster ready" >&2
}

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  initialise
fi
# The secrets are not the server's business once the cluster exists.
unset POSTGRES_PASSWORD POSTGRES_PASSWORD_FILE
exec "$@"
