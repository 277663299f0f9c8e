#!/usr/bin/env bash
# Build the genuine upstream Kubernetes control plane (kube-apiserver, kube-scheduler,
# kube-controller-manager v1.20.2) once, into a cache outside the repository, for dagwell's
# Kubernetes test tier (src/dagwell/testing/kube/control_plane.py). No registry ships these
# binaries and the Go module proxy is unreachable here, so they come from Debian 12's
# `kubernetes` source package (its orig tarball is the full upstream tree with vendor/), built
# with Debian's Go 1.19. etcd is Debian's `etcd-server` (3.4).
#
# Idempotent: when the three binaries are present and report v1.20.2, it only checks that
# etcd is installed (DAGWELL_K8S_REBUILD=1 rebuilds anyway, replacing each binary atomically).
# Needs root (apt) the first time. ~10 min cold on 2 cores, less when the tree's Go build
# cache is warm. Override the cache with DAGWELL_K8S_CACHE.
set -euo pipefail
VERSION=v1.20.2
CACHE=${DAGWELL_K8S_CACHE:-$HOME/.cache/dagwell/k8s-$VERSION}
BIN=$CACHE/bin
SRC=$CACHE/src
TREE=$SRC/kubernetes-1.20.2
ORIG=kubernetes_1.20.5+really1.20.2.orig.tar.gz
BINARIES=(kube-apiserver kube-scheduler kube-controller-manager)
APT_PACKAGES=(etcd-server etcd-client golang-1.19-go golang-github-modern-go-reflect2-dev openssl rsync make)

say() { printf '[k8s-binaries] %s\n' "$*" >&2; }
die() { printf '[k8s-binaries] ERROR: %s\n' "$*" >&2; exit 1; }

have_binaries() {
  local b
  for b in "${BINARIES[@]}"; do
    [ -x "$BIN/$b" ] || return 1
  done
  "$BIN/kube-apiserver" --version 2>/dev/null | grep -q "Kubernetes $VERSION"
}
have_etcd() { command -v etcd >/dev/null 2>&1 && command -v etcdctl >/dev/null 2>&1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo -n "$@" || die "'$*' needs root: run 'sudo make k8s-binaries' once"
  else die "'$*' needs root (apt): run 'make k8s-binaries' once as root"
  fi
}

APT_UPDATED=0
apt_update_once() {
  [ "$APT_UPDATED" = 1 ] && return 0
  say "apt-get update"
  as_root apt-get update -qq || die "apt-get update failed (is the Debian archive reachable?)"
  APT_UPDATED=1
}

add_deb_src() {
  # A deb-src stanza for bookworm, from the machine's own Debian archive stanza; only when no
  # deb-src for bookworm is configured yet.
  if grep -rqsE '^(Types:.*deb-src|deb-src .*bookworm)' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    return 0
  fi
  local src=/etc/apt/sources.list.d/debian.sources
  [ -f "$src" ] || die "no $src to derive a bookworm deb-src entry from; add 'deb-src <mirror> bookworm main' yourself"
  say "adding a bookworm deb-src entry (/etc/apt/sources.list.d/dagwell-k8s-src.sources)"
  awk 'BEGIN{RS="";ORS="\n\n"} /\nSuites: bookworm( bookworm-updates)?\n/' "$src" \
    | sed 's/^Types: deb$/Types: deb-src/; s/^Suites: .*/Suites: bookworm/' \
    | as_root tee /etc/apt/sources.list.d/dagwell-k8s-src.sources >/dev/null
  grep -q '^Types: deb-src' /etc/apt/sources.list.d/dagwell-k8s-src.sources \
    || die "could not derive a bookworm deb-src entry from $src"
  APT_UPDATED=0
}

install_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} = 0 ] && return 0
  apt_update_once
  say "apt-get install ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" \
    || die "apt-get install ${missing[*]} failed"
}

if [ "${DAGWELL_K8S_REBUILD:-0}" != 1 ] && have_binaries; then
  install_packages etcd-server etcd-client openssl
  have_etcd || die "etcd/etcdctl not on PATH after installing etcd-server/etcd-client"
  say "reusing $BIN ($("$BIN/kube-apiserver" --version))"
  exit 0
fi

t0=$(date +%s)
say "building Kubernetes $VERSION into $CACHE (first time: ~10 min on 2 cores)"
add_deb_src
install_packages "${APT_PACKAGES[@]}"
have_etcd || die "etcd/etcdctl not on PATH after installing etcd-server/etcd-client"
mkdir -p "$SRC" "$BIN"
cd "$SRC"
if [ ! -f "$ORIG" ]; then
  apt_update_once
  say "apt-get source kubernetes/bookworm (34 MB)"
  apt-get source --download-only kubernetes/bookworm >/dev/null \
    || die "apt-get source kubernetes/bookworm failed (deb-src entry? network?)"
fi
[ -f "$ORIG" ] || die "$ORIG not downloaded (Debian's kubernetes source package changed?)"
if [ ! -f "$TREE/.dagwell-prepared" ]; then
  say "unpacking $ORIG"
  rm -rf "$TREE"
  tar xzf "$ORIG"
  [ -d "$TREE" ] || die "$ORIG did not unpack to $TREE"
  # The vendored reflect2 v1.0.1 breaks under Go >= 1.18 (json-iterator map decoding
  # crashes); Debian's 1.0.2 is a drop-in with the same API.
  R=/usr/share/gocode/src/github.com/modern-go/reflect2
  V=$TREE/vendor/github.com/modern-go/reflect2
  [ -d "$R" ] || die "$R missing (golang-github-modern-go-reflect2-dev not installed?)"
  rm -rf "$V" && mkdir -p "$V"
  cp "$R"/*.go "$R"/*.s "$V/"
  rm -f "$V"/*_test.go
  touch "$TREE/.dagwell-prepared"
fi
# Version stamp (the tree is not a git checkout).
cat > "$CACHE/kube-version.env" <<'VER'
KUBE_GIT_COMMIT='faecb196815e248d3ecfb03c680a4507229c2a56'
KUBE_GIT_TREE_STATE='clean'
KUBE_GIT_VERSION='v1.20.2'
KUBE_GIT_MAJOR='1'
KUBE_GIT_MINOR='20'
VER
export PATH=/usr/lib/go-1.19/bin:$PATH KUBE_GIT_VERSION_FILE=$CACHE/kube-version.env
export GOPROXY=off  # the tree vendors everything (KUBE build uses GOFLAGS as build tags)
cd "$TREE"
if [ -f .dagwell-build-failed ]; then
  # A failed build can leave generator stamps without their tools: start that part over.
  say "an earlier build failed here: cleaning _output and .make"
  rm -rf _output .make .dagwell-build-failed
fi
for b in "${BINARIES[@]}"; do
  tb=$(date +%s)
  say "go build cmd/$b (log: $CACHE/build-$b.log)"
  if ! make WHAT="cmd/$b" KUBE_BUILD_PLATFORMS=linux/amd64 >"$CACHE/build-$b.log" 2>&1; then
    touch .dagwell-build-failed
    tail -n 30 "$CACHE/build-$b.log" >&2
    die "building $b failed; full log in $CACHE/build-$b.log"
  fi
  install -m 0755 "_output/bin/$b" "$BIN/$b.tmp" && mv "$BIN/$b.tmp" "$BIN/$b"
  say "built $b in $(( $(date +%s) - tb ))s"
done
have_binaries || die "the built kube-apiserver does not report $VERSION"
say "done in $(( $(date +%s) - t0 ))s: $("$BIN/kube-apiserver" --version), binaries in $BIN"
