#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests, on a free localhost port, in a temporary folder.
#
#   scripts/start-postgres.sh start DIR      start a cluster in DIR (made if missing, must be empty)
#                                            and write DIR/env, a file to source, which exports
#                                            CLERK_TEST_PG_URL (postgresql+psycopg://...)
#   scripts/start-postgres.sh stop DIR       stop that cluster and delete DIR
#   scripts/start-postgres.sh run CMD ARGS   start one in a new temporary folder, run CMD with
#                                            CLERK_TEST_PG_URL set, stop it and delete the
#                                            folder however CMD ends; exits with CMD's code
#
# Uses Debian's PostgreSQL server binaries (/usr/lib/postgresql/N/bin, the newest N). Run as
# root, the cluster belongs to the `postgres` user (initdb refuses root); otherwise to you.
# The cluster is tuned for throwaway use (fsync off): never point it at data you keep.
set -euo pipefail

DB_NAME=clerk_test
DB_USER=clerk_test
DB_PASSWORD=clerk_test

die() { echo "start-postgres.sh: $*" >&2; exit 1; }

pg_bin() {
    local bin
    bin=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null \
        | sort -V | tail -n 1)
    [[ -n $bin && -x $bin/initdb && -x $bin/pg_ctl ]] \
        || die "no PostgreSQL server found under /usr/lib/postgresql (apt-get install postgresql;" \
            "scripts/install-system-packages.sh does it)"
    printf '%s\n' "$bin"
}

# Runs a command as the cluster's owner, from inside the cluster's folder.
as_owner() {
    local dir=$1
    shift
    if ((EUID == 0)); then
        (cd "$dir" && runuser -u postgres -- "$@")
    else
        (cd "$dir" && "$@")
    fi
}

free_port() {
    python3 - <<'EOF'
import socket
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
EOF
}

start() {
    local dir=$1 bin port url attempt
    bin=$(pg_bin)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [[ -z $(ls -A "$dir") ]] || die "$dir is not empty"
    if ((EUID == 0)); then
        id postgres >/dev/null 2>&1 || die "no 'postgres' user (is the postgresql package installed?)"
        chown postgres: "$dir"
    fi
    chmod 700 "$dir"

    local pwfile=$dir/superuser-password
    as_owner "$dir" sh -c "umask 077; echo postgres >'$pwfile'"
    as_owner "$dir" "$bin/initdb" --pgdata="$dir/data" --username=postgres --pwfile="$pwfile" \
        --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 \
        --no-sync >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
    as_owner "$dir" mkdir "$dir/socket"

    # A port can be taken between choosing it and binding it: try a few.
    for attempt in 1 2 3 4 5; do
        port=$(free_port)
        if as_owner "$dir" "$bin/pg_ctl" --pgdata="$dir/data" --log="$dir/server.log" --wait \
            --timeout=60 --silent start \
            -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir/socket -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        then
            break
        fi
        if ((attempt == 5)); then
            cat "$dir/server.log" >&2
            die "the server did not start"
        fi
    done
    echo "$port" >"$dir/port"

    local psql=("$bin/psql" --no-psqlrc --quiet --set=ON_ERROR_STOP=1 --host="$dir/socket"
        --port="$port" --username=postgres --dbname=postgres)
    as_owner "$dir" "${psql[@]}" \
        --command="CREATE ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASSWORD'" \
        --command="CREATE DATABASE $DB_NAME OWNER $DB_USER" >/dev/null \
        || die "could not create the role and the database"

    url="postgresql+psycopg://$DB_USER:$DB_PASSWORD@127.0.0.1:$port/$DB_NAME"
    {
        printf 'export CLERK_TEST_PG_URL=%q\n' "$url"
        printf 'export CLERK_TEST_PG_DIR=%q\n' "$dir"
    } >"$dir/env"
    echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') for the tests:" \
        "127.0.0.1:$port, database $DB_NAME, role $DB_USER ($dir)"
}

stop() {
    local dir=$1 bin
    [[ -d $dir ]] || return 0
    dir=$(cd "$dir" && pwd)
    if [[ -f $dir/data/postmaster.pid ]]; then
        bin=$(pg_bin)
        as_owner "$dir" "$bin/pg_ctl" --pgdata="$dir/data" --wait --timeout=60 --silent \
            --mode=fast stop \
            || as_owner "$dir" "$bin/pg_ctl" --pgdata="$dir/data" --silent --mode=immediate stop \
            || echo "start-postgres.sh: could not stop the server in $dir" >&2
    fi
    rm -rf -- "$dir"
}

cmd=${1:-}
case "$cmd" in
    start | stop)
        [[ $# -eq 2 ]] || die "usage: $0 $cmd DIR"
        "$cmd" "$2"
        ;;
    run)
        shift
        [[ $# -ge 1 ]] || die "usage: $0 run CMD [ARGS...]"
        dir=$(mktemp -d /tmp/clerk-pg.XXXXXX)
        trap 'stop "$dir"' EXIT
        trap 'exit 130' INT
        trap 'exit 143' TERM
        start "$dir"
        # shellcheck source=/dev/null
        source "$dir/env"
        set +e
        "$@"
        rc=$?
        set -e
        exit "$rc"
        ;;
    -h | --help | "")
        sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
        [[ -n $cmd ]]
        ;;
    *) die "unknown command: $cmd (start, stop or run)" ;;
esac
