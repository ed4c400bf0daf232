/**
 * Builds the root of a session jail and starts its process (run by `sh -c` as root of a fresh
 * user namespace, which maps only the session's unprivileged host uid; arguments: the empty
 * directory to build the root on, the session's work dir, then the command).
 *
 * The root is a small tmpfs: `/usr` (and the `/bin`, `/lib*`, `/sbin` links of a merged-/usr
 * system) bound read-only, a written `/etc` (passwd, group, hosts; `ld.so.cache` and
 * `/etc/alternatives` read-only), a few device nodes, a private `/tmp`, a fresh `/proc` of the
 * session's pid namespace and the work dir as `/workspace`. The host root is then detached
 * (`pivot_root` + lazy unmount), `/` made read-only, the loopback brought up (the only network
 * there is), every capability dropped with no-new-privs, and the command exec'd as pid 1 of the
 * session. fd 3 carries `ready` once the jail stands (the caller's provisioning → running).
 */
export const JAIL_SETUP_SCRIPT = `set -eu
R="$1"; WS="$2"; shift 2
mount -t tmpfs -o mode=0755,size=16m,nosuid tmpfs "$R"
mkdir -p "$R/usr" "$R/etc" "$R/workspace" "$R/tmp" "$R/proc" "$R/dev" "$R/.old"
mount --bind /usr "$R/usr"
mount -o remount,bind,ro,nosuid,nodev "$R/usr"
ln -s usr/bin "$R/bin"; ln -s usr/sbin "$R/sbin"; ln -s usr/lib "$R/lib"
if [ -e /lib64 ]; then ln -s usr/lib64 "$R/lib64"; fi
mount --bind "$WS" "$R/workspace"
mount -o remount,bind,nosuid,nodev "$R/workspace"
if [ -d /etc/alternatives ]; then
  mkdir -p "$R/etc/alternatives"
  mount --bind /etc/alternatives "$R/etc/alternatives"
  mount -o remount,bind,ro,nosuid,nodev "$R/etc/alternatives"
fi
if [ -f /etc/ld.so.cache ]; then cp /etc/ld.so.cache "$R/etc/ld.so.cache"; fi
printf 'root:x:0:0:agent:/workspace:/bin/bash\\nnobody:x:65534:65534:nobody:/:/usr/sbin/nologin\\n' > "$R/etc/passwd"
printf 'root:x:0:\\nnogroup:x:65534:\\n' > "$R/etc/group"
printf '127.0.0.1 localhost\\n::1 localhost ip6-localhost\\n' > "$R/etc/hosts"
printf 'hosts: files\\npasswd: files\\ngroup: files\\n' > "$R/etc/nsswitch.conf"
for d in null zero full random urandom tty; do
  touch "$R/dev/$d"; mount --bind "/dev/$d" "$R/dev/$d"
done
ln -s /proc/self/fd "$R/dev/fd"; ln -s /proc/self/fd/0 "$R/dev/stdin"
ln -s /proc/self/fd/1 "$R/dev/stdout"; ln -s /proc/self/fd/2 "$R/dev/stderr"
mount -t tmpfs -o mode=1777,size=256m,nosuid,nodev tmpfs "$R/tmp"
mount -t proc -o nosuid,nodev,noexec proc "$R/proc"
ip link set lo up
hostname sandbox 2>/dev/null || true
cd "$R"
pivot_root . .old
umount -l /.old
rmdir /.old
mount -o remount,bind,ro /
cd /workspace
echo ready >&3
exec 3>&-
exec setpriv --inh-caps=-all --bounding-set=-all --no-new-privs -- env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/workspace USER=root LOGNAME=root TERM=dumb LANG=C.UTF-8 PYTHONUNBUFFERED=1 "$@"
`;

/** Runs one command in a running jail: its own pid namespace (nothing it starts outlives it), no capabilities. */
export const JAIL_EXEC_PREFIX = ['setpriv', '--inh-caps=-all', '--bounding-set=-all', '--no-new-privs', '--'];

/**
 * The port bridge (run by node inside the session's network namespace, host file system):
 * listens on a unix socket outside the jail and pipes each connection to the session's loopback
 * port. Arguments: socket path, port. Ends when its stdin closes (the API went away).
 */
export const PORT_FORWARDER_SCRIPT = `
import net from 'node:net';
import fs from 'node:fs';
const [sock, portArg] = process.argv.slice(1);
const port = Number(portArg);
try { fs.unlinkSync(sock); } catch {}
const connectUpstream = (hosts, c) => {
  const u = net.connect(port, hosts[0]);
  let connected = false;
  u.on('connect', () => { connected = true; c.pipe(u); u.pipe(c); });
  u.on('error', () => {
    if (!connected && hosts.length > 1) { connectUpstream(hosts.slice(1), c); } else { c.destroy(); }
  });
  u.on('close', () => { if (connected) { c.destroy(); } });
  c.on('close', () => u.destroy());
};
const srv = net.createServer((c) => {
  c.on('error', () => c.destroy());
  connectUpstream(['127.0.0.1', '::1'], c);
});
srv.listen(sock, () => { fs.chmodSync(sock, 0o600); process.stdout.write('ready\\n'); });
srv.on('error', (e) => { process.stderr.write(String(e)); process.exit(1); });
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`;
