# Shared by scripts/setup and scripts/run: where the environment lives and how to enter it.
# shellcheck shell=bash

WN_ENV_CACHE=${WN_ENV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/wiener_netze_env}
# Bump when the layout of the environment changes, so old caches are not reused.
WN_ENV_LAYOUT=1
# Debian packages of the root (only used without a local python3.14): debootstrap installs the
# first list; apt installs the browser for the end-to-end tests inside the root afterwards.
WN_ROOT_PACKAGES=python3.14,python3.14-venv,python3.14-dev,ca-certificates,gcc,g++,libc6-dev,git
WN_BROWSER_PACKAGES="chromium fonts-dejavu-core"
# The recorder tests on real database servers, and what the MySQL driver compiles against;
# installed into the root (or the machine) by scripts/setup after it exists.
WN_DB_PACKAGES="postgresql mariadb-server libmariadb-dev pkg-config"

WN_KEY=$( { echo "layout=$WN_ENV_LAYOUT"; cat "$repo/requirements-test.txt"; } | sha256sum | cut -c1-16)
# The second environment: the newest Home Assistant release, for the end-to-end test.
WN_NEWEST_KEY=$( { echo "layout=$WN_ENV_LAYOUT"; cat "$repo/requirements-ha-newest.txt"; } |
    sha256sum | cut -c1-16)
WN_ROOT_KEY=$(echo "layout=$WN_ENV_LAYOUT packages=$WN_ROOT_PACKAGES $WN_BROWSER_PACKAGES" |
    sha256sum | cut -c1-16)

if command -v python3.14 >/dev/null 2>&1; then
    WN_ENV_KIND=local
    WN_ROOT=""
    WN_VENV="$WN_ENV_CACHE/venv-$WN_KEY"
    WN_NEWEST_VENV="$WN_ENV_CACHE/venv-newest-$WN_NEWEST_KEY"
    WN_ENV_STAMP="$WN_VENV/.ready"
    WN_NEWEST_STAMP="$WN_NEWEST_VENV/.ready"
else
    WN_ENV_KIND=chroot
    WN_ROOT="$WN_ENV_CACHE/root-$WN_ROOT_KEY"
    WN_VENV="/opt/venv-$WN_KEY"
    WN_NEWEST_VENV="/opt/venv-newest-$WN_NEWEST_KEY"
    WN_ENV_STAMP="$WN_ROOT$WN_VENV/.ready"
    WN_NEWEST_STAMP="$WN_ROOT$WN_NEWEST_VENV/.ready"
fi

# Mount what the chroot needs: /proc, /dev, the resolver and CA bundle, the repository and
# the shared folder beside it at the same paths as outside, so paths mean the same in both.
wn_env_mount() {
    [ "$WN_ENV_KIND" = chroot ] || return 0
    local d
    cp -L /etc/resolv.conf "$WN_ROOT/etc/resolv.conf" 2>/dev/null || true
    if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
        mkdir -p "$WN_ROOT/etc/ssl/certs"
        cp -L /etc/ssl/certs/ca-certificates.crt "$WN_ROOT/etc/ssl/certs/ca-certificates.crt"
    fi
    mountpoint -q "$WN_ROOT/proc" || mount -t proc proc "$WN_ROOT/proc"
    mountpoint -q "$WN_ROOT/dev" || mount --rbind /dev "$WN_ROOT/dev"
    wn_env_drop_stale_binds
    for d in "$repo" "$(dirname "$repo")/shared"; do
        [ -d "$d" ] || continue
        mkdir -p "$WN_ROOT$d"
        wn_same_dir "$d" "$WN_ROOT$d" || mount --bind "$d" "$WN_ROOT$d"
    done
}

# True when both paths are the same directory (same device and inode).
wn_same_dir() {
    [ "$(stat -c %d:%i "$1" 2>/dev/null)" = "$(stat -c %d:%i "$2" 2>/dev/null)" ]
}

# A bind mount outlives the clone it showed: CI clones to the same path again after deleting
# the last clone, and the old bind would show the deleted directory. Unmount every bind under
# the root (other than /proc and /dev) that no longer shows the directory at the same path
# outside, so the next mount shows the current one and binds do not pile up.
wn_env_drop_stale_binds() {
    local m inner
    for m in $(awk -v r="$WN_ROOT/" 'index($2, r) == 1 {print $2}' /proc/mounts | sort -ru); do
        inner=${m#"$WN_ROOT"}
        case "$inner" in /proc | /proc/* | /dev | /dev/*) continue ;; esac
        while mountpoint -q "$m" && ! wn_same_dir "$inner" "$m"; do
            umount -l "$m" 2>/dev/null || break
        done
    done
}

# Whether every environment scripts/setup builds is there.
wn_env_ready() {
    [ -f "$WN_ENV_STAMP" ] && [ -f "$WN_NEWEST_STAMP" ] && [ -f "$(wn_db_stamp)" ]
}

# Whether the database servers and the MySQL driver's build tools are installed (in the root
# when there is one: run it inside).
wn_db_tools_present() {
    local root=${WN_ROOT:-}
    compgen -G "$root/usr/lib/postgresql/*/bin/initdb" >/dev/null &&
        [ -x "$root/usr/bin/mariadb-install-db" ] && [ -x "$root/usr/bin/pkg-config" ] &&
        [ -x "$root/usr/bin/mariadb_config" ]
}

# The stamp of the database packages, keyed by their list (inside the root, which may be
# rebuilt, or beside the local environment).
wn_db_stamp() {
    local key
    key=$(echo "$WN_DB_PACKAGES" | sha256sum | cut -c1-16)
    if [ "$WN_ENV_KIND" = chroot ]; then
        echo "$WN_ROOT/var/lib/wn-db-packages-$key"
    else
        echo "$WN_ENV_CACHE/.db-packages-$key"
    fi
}

wn_env_unmount() {
    [ "$WN_ENV_KIND" = chroot ] && [ -d "$WN_ROOT.tmp" ] || return 0
    local m
    for m in $(awk -v r="$WN_ROOT.tmp" 'index($2, r) == 1 {print $2}' /proc/mounts | sort -r); do
        umount -l "$m" 2>/dev/null || true
    done
}
