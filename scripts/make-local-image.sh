#!/usr/bin/env bash
# Builds stowage/busybox:local without a registry: a root filesystem holding Debian's
# static busybox and its applet symlinks, fed to `docker import`. The tests and the demo
# use it because no image can be pulled where they run. Idempotent: an existing image is
# kept, so concurrent test files and repeated runs cost nothing.
set -euo pipefail

IMAGE="${1:-stowage/busybox:local}"
BUSYBOX="${BUSYBOX:-/bin/busybox}"

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "make-local-image: $IMAGE exists; nothing to do" >&2
  exit 0
fi

# Only the static build works in an empty root filesystem (no libc there).
# Captured whole rather than piped to head: with pipefail, head closing the pipe early
# would fail the check at random (SIGPIPE).
help="$("$BUSYBOX" --help 2>&1 || true)"
if [[ "$help" != BusyBox* ]]; then
  echo "make-local-image: $BUSYBOX is not busybox; on Debian: apt-get install -y busybox-static" >&2
  exit 1
fi
if ldd "$BUSYBOX" >/dev/null 2>&1; then
  echo "make-local-image: $BUSYBOX is dynamically linked; on Debian: apt-get install -y busybox-static" >&2
  exit 1
fi

rootfs="$(mktemp -d)"
trap 'rm -rf "$rootfs"' EXIT

mkdir -p "$rootfs"/{bin,sbin,usr/bin,usr/sbin,tmp,etc,proc,sys,dev,root}
chmod 1777 "$rootfs/tmp"
cp "$BUSYBOX" "$rootfs/bin/busybox"
# --install -s writes absolute symlinks (/bin/sh -> /bin/busybox), which resolve inside
# the container; chroot makes it place them in the new root rather than on the host.
chroot "$rootfs" /bin/busybox --install -s
echo 'root:x:0:0:root:/root:/bin/sh' >"$rootfs/etc/passwd"
echo 'root:x:0:' >"$rootfs/etc/group"

tar -C "$rootfs" -c . | docker import \
  --change 'CMD ["/bin/sh"]' \
  --change 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' \
  - "$IMAGE" >/dev/null
echo "make-local-image: built $IMAGE" >&2
