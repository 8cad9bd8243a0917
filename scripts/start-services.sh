#!/usr/bin/env bash
# Start the loopback services the platform's tests use, when they are installed and not running:
# PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379. Safe to run again. A service that is
# not installed is not an error here: this says so, and the tests decide (they skip, or fail when
# WORKTRIAL_REQUIRE_SERVICES=1).
set -uo pipefail

listening() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

wait_for_port() { # name host port
    for _ in $(seq 1 40); do
        if listening "$2" "$3"; then
            echo "$1: started on $2:$3"
            return 0
        fi
        sleep 0.5
    done
    echo "$1: started, but nothing answers on $2:$3 after 20 s" >&2
    return 0
}

if listening 127.0.0.1 5432; then
    echo "PostgreSQL: already running on 127.0.0.1:5432"
elif command -v pg_ctlcluster >/dev/null 2>&1 && [ -n "$(ls /etc/postgresql 2>/dev/null)" ]; then
    version="$(ls /etc/postgresql | sort -V | tail -n 1)"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start
    case $? in
        0) wait_for_port PostgreSQL 127.0.0.1 5432 ;;
        2) echo "PostgreSQL: cluster $version/main runs but does not answer on 127.0.0.1:5432" >&2 ;;
        *) echo "PostgreSQL: could not start cluster $version/main (see /var/log/postgresql)" >&2 ;;
    esac
else
    echo "PostgreSQL: not installed (no pg_ctlcluster or no cluster in /etc/postgresql)"
fi

if listening 127.0.0.1 6379; then
    echo "Redis: already running on 127.0.0.1:6379"
elif command -v redis-server >/dev/null 2>&1; then
    mkdir -p /var/lib/redis /var/log/redis
    if redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" \
        --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log; then
        wait_for_port Redis 127.0.0.1 6379
    else
        echo "Redis: could not start (see /var/log/redis/ci.log)" >&2
    fi
else
    echo "Redis: not installed (no redis-server)"
fi
exit 0
