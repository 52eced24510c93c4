// `droidcheck explain`: real error texts as users pasted them -> catalog entry.
//
// Every text below is copied from a public issue thread or note (source in the
// comment) unless marked "format:", which means no pasted instance was found and
// the line is built from the runtime's own format string.

import t from 'tap';
import yaml from 'js-yaml';
import { CATALOG } from '../../src/explain/catalog.js';
import { explain, normalizeLine } from '../../src/explain/explain.js';
import { explainCommand, NO_MATCH, type ExplainIo } from '../../src/cli/explain.js';
import { ALL_CHECKS } from '../../src/probes/registry.js';
import { readCorpus } from '../helpers/explain-corpus.js';

interface Case {
  source: string;
  text: string;
  expect: string;
}

const CASES: Case[] = [
  {
    source: 'containers/crun#433 (android-x86; the docker client line)',
    text: 'docker: Error response from daemon: OCI runtime create failed: /system/bin/crun did not terminate sucessfully: unknown.',
    expect: 'crun-did-not-terminate',
  },
  // ns-unshare-einval
  {
    source: 'opencontainers/runc#1343',
    text: String.raw`nsenter: failed to unshare namespaces: Invalid argument
container_linux.go:247: starting container process caused "process_linux.go:245: running exec setns process for init caused \"exit status 29\""
oci runtime error: container_linux.go:247: starting container process caused "process_linux.go:245: running exec setns process for init caused \"exit status 29\""`,
    expect: 'ns-unshare-einval',
  },
  {
    source: 'moby/moby#34971 (docker client line alone)',
    text: String.raw`docker: Error response from daemon: oci runtime error: container_linux.go:247: starting container process caused "process_linux.go:245: running exec setns process for init caused \"exit status 29\"".`,
    expect: 'ns-unshare-einval',
  },
  {
    source: 'runc notes on a Nexus 9, Android 7.1.1, kernel 3.10 (IPC namespace missing), hard-wrapped as pasted',
    text: String.raw`container_linux.go:337: starting container process caused "process_linux.go:335: 
running exec setns process for init caused \"exit status 46\""`,
    expect: 'ns-unshare-einval',
  },
  {
    source: 'a docker install note (exit status 46 from the docker client)',
    text: String.raw`docker: Error response from daemon: OCI runtime create failed: container_linux.go:348: starting container process caused "process_linux.go:301: running exec setns process for init caused \"exit status 46\"": unknown.`,
    expect: 'ns-unshare-einval',
  },
  {
    source: 'canonical/lxd#4720',
    text: 'lxc system1 20180703074113.891 ERROR    lxc_start - start.c:lxc_spawn:1634 - Invalid argument - Failed to clone a new set of namespaces',
    expect: 'ns-unshare-einval',
  },
  { source: 'firehol/firehol#195', text: '$ ./unittest firehol/basics/empty.conf\nunshare: unshare failed: Invalid argument', expect: 'ns-unshare-einval' },
  // userns-disabled, clone-einval
  { source: 'podman-container-tools/podman#8463', text: 'Error during unshare(CLONE_NEWUSER): Operation not permitted', expect: 'userns-disabled' },
  {
    source: 'CHTC/chtc-website-source#464 (podman on CentOS 7, where max_user_namespaces is 0)',
    text: 'bash-4.2$  podman login docker.io\ncannot clone: Invalid argument\nuser namespaces are not enabled in /proc/sys/user/max_user_namespaces\nError: could not get runtime: cannot re-exec process',
    expect: 'userns-disabled',
  },
  {
    source: 'mviereck/x11docker#255 (podman on Debian)',
    text: 'cannot clone: Operation not permitted\nuser namespaces are not enabled in /proc/sys/kernel/unprivileged_userns_clone\nError: could not get runtime: cannot re-exec process',
    expect: 'userns-disabled',
  },
  // mqueue-nodev
  { source: 'containers/crun#2080', text: 'Error: OCI runtime error: crun: mount `mqueue` to `dev/mqueue`: No such device', expect: 'mqueue-nodev' },
  {
    source: 'runc notes on a Nexus 9, Android 7.1.1, kernel 3.10 (hard-wrapped)',
    text: String.raw`container_linux.go:337: starting container process caused 
"process_linux.go:436: container init caused \"rootfs_linux.go:58: 
mounting \\\"mqueue\\\" to rootfs \\\"/data/test/runc/rootfs\\\" at \
\\"/dev/mqueue\\\" caused \\\"no such device\\\"\""`,
    expect: 'mqueue-nodev',
  },
  {
    source: 'libkrun notes (docker 25 in a VM without POSIX_MQUEUE)',
    text: `docker: Error response from daemon: failed to create task for container:
  ... error mounting "mqueue" to rootfs at "/dev/mqueue":
  mount mqueue:/dev/mqueue ... : no such device: unknown.`,
    expect: 'mqueue-nodev',
  },
  {
    source: 'a BSP bring-up log (runc, CONFIG_POSIX_MQUEUE missing)',
    text: 'runc create failed: ... error mounting "mqueue" to rootfs at "/dev/mqueue": ... no such device',
    expect: 'mqueue-nodev',
  },
  // pivot-root-einval
  {
    source: 'a dockerd-on-Android note (runc 1.1, initramfs root)',
    text: 'docker: Error response from daemon: failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: error jailing process inside rootfs: pivot_root .: invalid argument: unknown.',
    expect: 'pivot-root-einval',
  },
  {
    source: 'runc notes on a Nexus 9, Android 7.1.1, kernel 3.10 (hard-wrapped)',
    text: String.raw`container_linux.go:337: starting container process caused 
"process_linux.go:436: container init caused \"rootfs_linux.go:109: 
jailing process inside rootfs caused \\\"pivot_root invalid argument\
\\"\""`,
    expect: 'pivot-root-einval',
  },
  { source: 'lxc/lxc#61', text: 'lxc-start: Invalid argument - pivot_root syscall failed\nlxc-start: failed to setup pivot root', expect: 'pivot-root-einval' },
  { source: 'containers/bubblewrap#214', text: '$ bwrap --bind / / true\npivot_root: Invalid argument', expect: 'pivot-root-einval' },
  {
    source: 'xianlubird/mydocker#62',
    text: '{"level":"fatal","msg":"pivotRoot error: pivot_root invalid argument","time":"2019-11-14T19:29:59+08:00"}',
    expect: 'pivot-root-einval',
  },
  // devpts-ptmx, lxc-pty
  {
    source: 'runc notes on a Nexus 9, Android 7.1.1, kernel 3.10',
    text: String.raw`container_linux.go:337: starting container process caused "process_linux.go:436: container init caused \"open /dev/ptmx: no such file or directory\""`,
    expect: 'devpts-ptmx',
  },
  { source: 'opencontainers/runc#1783', text: 'exec failed: container_linux.go:348: starting container process caused "open /dev/ptmx: no such file or directory"', expect: 'devpts-ptmx' },
  {
    source: 'sailfish-containers/harbour-containers#8 (Galaxy S2, kernel 3.0)',
    text: `lxc-start Debian 20200729100819.902 ERROR    lxc_conf - conf.c:lxc_setup_devpts:1576 - Invalid argument - Failed to mount new devpts instance
lxc-start Debian 20200729100819.902 ERROR    lxc_conf - conf.c:lxc_setup:3520 - Failed to setup new devpts instance`,
    expect: 'lxc-pty',
  },
  {
    source: 'lxc/lxc#3625 (CentOS 7, kernel 3.10)',
    text: 'lxc-attach: testcontainer: terminal.c: lxc_terminal_create_native: 934 Inappropriate ioctl for device - Failed to allocate new pty device',
    expect: 'lxc-pty',
  },
  { source: 'lxc/lxc#1552', text: 'lxc-attach test xxx5.343 ERROR    console - console.c:lxc_console_create:549 - failed to allocate peer tty device', expect: 'lxc-pty' },
  // exec-format
  { source: 'runc notes on a Nexus 9 (x86 busybox on arm)', text: 'standard_init_linux.go:203: exec user process caused "exec format error"', expect: 'exec-format' },
  { source: 'IAmStoxe/wirehole#42', text: 'unbound      | standard_init_linux.go:228: exec user process caused: exec format error', expect: 'exec-format' },
  // ipc-sysctl-hostns
  { source: 'format: runc libcontainer/configs/validate/validator.go', text: 'runc run failed: sysctl "kernel.shmmax" is not allowed in the hosts ipc namespace', expect: 'ipc-sysctl-hostns' },
  // run-readonly
  { source: 'format: runc on Android (anchors note: mkdir of the state dir on read-only /)', text: 'ERRO[0000] mkdir /run/runc: read-only file system', expect: 'run-readonly' },
  // cgroup-devices-missing
  { source: 'docker/cli#3613', text: 'failed to start daemon: Devices cgroup isn\'t mounted', expect: 'cgroup-devices-missing' },
  { source: 'meefik/linuxdeploy#1088', text: 'Error starting daemon: Devices cgroup isn\'t mounted.', expect: 'cgroup-devices-missing' },
  {
    source: 'NVIDIA/nvidia-docker#1568 (Raspberry Pi)',
    text: 'docker: Error response from daemon: failed to create shim: OCI runtime create failed: container_linux.go:380: starting container process caused: process_linux.go:385: applying cgroup configuration for process caused: mountpoint for devices not found: unknown.',
    expect: 'cgroup-devices-missing',
  },
  // cpuset-noprefix
  {
    source: 'termux/termux-packages#20921',
    text: 'docker: Error response from daemon: failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: unable to apply cgroup configuration: open /sys/fs/cgroup/cpuset/docker/cpuset.cpus: no such file or directory: unknown.',
    expect: 'cpuset-noprefix',
  },
  {
    source: 'docker/for-linux#689',
    text: String.raw`docker: Error response from daemon: OCI runtime create failed: container_linux.go:345: starting container process caused "process_linux.go:275: applying cgroup configuration for process caused \"open /sys/fs/cgroup/cpuset/docker/cpuset.cpus: no such file or directory\"": unknown.`,
    expect: 'cpuset-noprefix',
  },
  { source: 'moby/moby#41204', text: String.raw`applying cgroup configuration for process caused \"open /cpuset/docker/cpuset.cpus: no such file or directory`, expect: 'cpuset-noprefix' },
  // cgroup2-bpf-device
  {
    source: 'mgksu/dockerd#12 (Android 15, kernel 4.14)',
    text: 'docker: Error response from daemon: failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: error setting cgroup config for procHooks process: bpf_prog_query(BPF_CGROUP_DEVICE) failed: invalid argument',
    expect: 'cgroup2-bpf-device',
  },
  { source: 'opencontainers/runc#2959', text: '[error] OCI runtime create failed: setting cgroup config for procHooks process caused: load program: invalid argument', expect: 'cgroup2-bpf-device' },
  // overlay-unsupported
  {
    source: 'mgksu/dockerd#5',
    text: `time="2025-05-06T12:51:38.967602672Z" level=error msg="failed to mount overlay: invalid argument" storage-driver=overlay2
failed to start daemon: error initializing graphdriver: driver not supported: overlay2`,
    expect: 'overlay-unsupported',
  },
  // paranoid-network
  { source: 'meefik/linuxdeploy#1158', text: 'root@localhost:~# ping 8.8.8.8\nping: socket: Permission denied', expect: 'paranoid-network' },
  { source: 'guardianproject/lildebi#6', text: 'Starting polipo: DNS: couldn\'t create socket: Permission denied', expect: 'paranoid-network' },
  // data-noexec-nodev
  { source: 'meefik/linuxdeploy#419', text: '[15:32:43] E: Cannot install into target \'/data/local/linux\' mounted with noexec or nodev', expect: 'data-noexec-nodev' },
  // unix-socket-path-long
  {
    source: 'termux/termux-packages#22099',
    text: 'docker: Error response from daemon: failed to create task for container: failed to start shim: start failed: io.containerd.runc.v2: create new shim socket: listen unix /data/data/com.termux/files/usr/var/run/containerd/s/3f71828f1d6c1ead43fded842abc9c3cf5857c74c3e0704cd83ab177e17cfe6c: bind: invalid argument: exit status 1: unknown.',
    expect: 'unix-socket-path-long',
  },
  // harmless debug lines
  {
    source: 'termux/termux-packages#23181 (runc 1.2.4 --debug)',
    text: 'DEBU[0000]libcontainer/cgroups/file.go:119 libcontainer/cgroups.prepareOpenat2.func1() openat2 not available, falling back to securejoin ',
    expect: 'openat2-fallback',
  },
  {
    source: 'termux/termux-packages#23181 (runc 1.2.4 --debug)',
    text: 'DEBU[0000]libcontainer/dmz/cloned_binary_linux.go:230 libcontainer/dmz.CloneSelfExe() could not use overlayfs for /proc/self/exe sealing -- falling back to making a temporary copy  error="fsopen overlay: function not implemented"',
    expect: 'runc-exe-clone-fallback',
  },
  // child-pid-eof
  {
    source: 'opencontainers/runc#4905',
    text: 'level=error msg="fatal task error" error="starting container failed: failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: can\'t get final child\'s PID from pipe: EOF: unknown" module=node/agent/taskmanager',
    expect: 'child-pid-eof',
  },
  // no-manifest-android
  { source: 'termux/termux-root-packages#60', text: 'no matching manifest for android/arm64 in the manifest list entries', expect: 'no-manifest-android' },
  // fbe-key-missing
  {
    source: 'google/fscrypt#118',
    text: 'lxc-start httpd 20190109202219.424 ERROR    start - start.c:start:2028 - Required key not available - Failed to exec "/sbin/init"',
    expect: 'fbe-key-missing',
  },
  // exec-not-found
  {
    source: 'axonweb3/axon#1524',
    text: 'Error response from daemon: failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "bash": executable file not found in $PATH: unknown',
    expect: 'exec-not-found',
  },
  {
    source: 'docker/for-linux#963',
    text: String.raw`OCI runtime exec failed: exec failed: container_linux.go:348: starting container process caused "exec: \"bash\": executable file not found in $PATH": unknown`,
    expect: 'exec-not-found',
  },
  {
    source: 'docker-library/docs#1437',
    text: String.raw`ERROR: for xxx_1  Cannot start service xxx: OCI runtime create failed: container_linux.go:344: starting container process caused "exec: \"/bin/bash\": stat /bin/bash: no such file or directory": unknown`,
    expect: 'exec-not-found',
  },
  // cgroup-not-empty
  {
    source: 'termux/termux-packages#23181 (runc 1.2.4, Android 14, kernel 4.19)',
    text: 'termux failed to create shim task: OCI runtime create failed: runc create failed: container\'s cgroup is not empty: 3 process(es) found: unknown',
    expect: 'cgroup-not-empty',
  },
  // seccomp-unsupported
  {
    source: 'a Synology NAS troubleshooting note',
    text: 'runc run failed: unable to start container process: seccomp: config provided but seccomp not supported',
    expect: 'seccomp-unsupported',
  },
];

const UNRELATED = [
  "Error response from daemon: pull access denied for foo, repository does not exist or may require 'docker login'",
  // containerd#7638: bind fails with EACCES on macOS, not the 108-byte limit
  'create new shim socket: listen unix /var/run/containerd/s/61a930be46013380e0376220342308b188da82e446ed263125ab52ccf5f96ce6: bind: permission denied',
  // mqueue busy (termux thread) is a different errno from a missing filesystem
  'docker: Error response from daemon: OCI runtime create failed: container_linux.go:370: starting container process caused: process_linux.go:459: container init caused: rootfs_linux.go:59: mounting "mqueue" to rootfs at "/dev/mqueue" caused: device or resource busy: unknown.',
  // opencontainers/runc#1413: not root, not a read-only /
  'mkdir /run/runc: permission denied',
];

const ids = (text: string): string[] => explain(text).map((e) => e.entry.id);

t.test('real error texts map to their catalog entry', async (t) => {
  for (const c of CASES) t.ok(ids(c.text).includes(c.expect), `${c.source}: expected ${c.expect}, got [${ids(c.text).join(', ')}]`);
});

t.test('every catalog entry is hit by at least one real text', async (t) => {
  const hit = new Set([...CASES.map((c) => c.text), ...readCorpus('corpus.txt').map((l) => l.text)].flatMap(ids));
  for (const e of CATALOG) t.ok(hit.has(e.id), e.id);
});

t.test('catalog entries are well formed', async (t) => {
  const known = new Set(ALL_CHECKS.map((c) => c.id));
  const seen = new Set<string>();
  for (const e of CATALOG) {
    t.notOk(seen.has(e.id), `${e.id} is unique`);
    seen.add(e.id);
    t.notOk(e.pattern.global || e.pattern.sticky, `${e.id}: pattern keeps no state between calls`);
    t.ok(e.title.length > 0, `${e.id} has a title`);
    t.ok(e.sources.length > 0, `${e.id} names where it was seen`);
    t.equal(new Set(e.causes.map((c) => c.id)).size, e.causes.length, `${e.id}: cause ids are unique`);
    if (e.causes.length > 1) t.ok(e.causes.every((c) => c.when?.length), `${e.id}: each of several causes says which facts pick it`);
    for (const c of e.causes) {
      for (const id of c.checkIds) t.ok(known.has(id), `${e.id}/${c.id}: check ${id} exists in ALL_CHECKS`);
      for (const o of c.configOptions) t.match(o, /^CONFIG_[A-Z0-9_]+$/, `${e.id}/${c.id}: ${o}`);
      for (const w of c.when ?? []) {
        if ('option' in w) t.match(w.option, /^CONFIG_[A-Z0-9_]+$/, `${e.id}/${c.id}: ${w.option}`);
        if ('check' in w) t.ok(known.has(w.check), `${e.id}/${c.id}: check ${w.check} exists`);
      }
      t.ok(c.remediation.length > 0, `${e.id}/${c.id} has a fix`);
      t.ok(c.cause.length > 40, `${e.id}/${c.id} has a cause`);
    }
  }
});

t.test('unrelated or look-alike texts explain nothing', async (t) => {
  for (const text of UNRELATED) t.same(ids(text), [], text.slice(0, 80));
  t.same(explain(''), []);
});

t.test('a text with two problems gives both, most specific first', async (t) => {
  // runc 1.2 --debug output from termux/termux-packages#23181 followed by the real failure
  const text = [
    'DEBU[0000]libcontainer/cgroups/file.go:119 libcontainer/cgroups.prepareOpenat2.func1() openat2 not available, falling back to securejoin ',
    "termux failed to create shim task: OCI runtime create failed: runc create failed: container's cgroup is not empty: 3 process(es) found: unknown",
  ].join('\n');
  t.same(ids(text), ['cgroup-not-empty', 'openat2-fallback'], 'the harmless debug line comes last');
  const two = [CASES.find((c) => c.expect === 'mqueue-nodev')!.text, CASES.find((c) => c.expect === 'devpts-ptmx')!.text].join('\n');
  t.same(ids(two).sort(), ['devpts-ptmx', 'mqueue-nodev']);
  // the nsenter line (specificity 2) and a symptom-only line (1)
  const nested = `nsenter: failed to unshare namespaces: Invalid argument\nrunc create failed: unable to start container process: can't get final child's PID from pipe: EOF: unknown`;
  t.same(ids(nested), ['ns-unshare-einval', 'child-pid-eof']);
});

t.test('the excerpt is what matched, with runc quoting collapsed, and the line number', async (t) => {
  const [e] = explain('first line\n' + String.raw`container_linux.go:337: starting container process caused "process_linux.go:436: container init caused \"open /dev/ptmx: no such file or directory\""`);
  t.equal(e?.entry.id, 'devpts-ptmx');
  t.equal(e?.excerpt, 'open /dev/ptmx: no such file or directory');
  t.equal(e?.line, 2);
  t.equal(normalizeLine(String.raw`caused \\\"no such device\\\"\"`), 'caused "no such device""');
});

// --- the command ---

function io(stdin = ''): ExplainIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdin: async () => stdin,
    readFile: async () => Promise.reject(new Error('no files in this test')),
    hostFacts: async () => Promise.reject(new Error('no host facts in this test')),
    stdout: (s) => void (out += s),
    stderr: (s) => void (err += s),
    color: false,
    out: () => out,
    err: () => err,
  };
}

const PTMX = 'exec failed: container_linux.go:348: starting container process caused "open /dev/ptmx: no such file or directory"';

t.test('table output: cause, kernel option, fix and the probe command; exit 0', async (t) => {
  const x = io();
  t.equal(await explainCommand({ message: PTMX, format: 'table' }, x), 0);
  const out = x.out();
  t.notMatch(out, /\x1b\[/, 'no colour when color is false');
  t.match(out, /^1\. devpts has no private instances .*\[devpts-ptmx\]/);
  t.match(out, /matched: open \/dev\/ptmx: no such file or directory \(line 1\)/);
  t.match(out, /cause: With process\.terminal true/);
  t.match(out, /kernel: CONFIG_DEVPTS_MULTIPLE_INSTANCES, CONFIG_UNIX98_PTYS/);
  t.match(out, /fix: run without a terminal/);
  t.match(out, /\.process\.terminal = false/);
  t.match(out, /confirm: droidcheck probe --check fs\.devpts-instances --check fs\.devpts/);
  t.equal(x.err(), '');
});

t.test('host facts are printed and entries without a check say so', async (t) => {
  const x = io();
  await explainCommand({ message: 'Required key not available', format: 'table' }, x);
  t.match(x.out(), /host: the rootfs is in an FBE-encrypted directory/);
  t.match(x.out(), /confirm: no probe check covers this/);
});

t.test('colour when asked', async (t) => {
  const x = { ...io(), color: true };
  let out = '';
  x.stdout = (s) => void (out += s);
  await explainCommand({ message: PTMX, format: 'table' }, x);
  t.match(out, /\x1b\[/);
});

t.test('the message can come on stdin', async (t) => {
  const x = io(CASES.find((c) => c.expect === 'ns-unshare-einval')!.text);
  t.equal(await explainCommand({ format: 'table' }, x), 0);
  t.match(x.out(), /\[ns-unshare-einval\]/);
});

t.test('json and yaml carry the same document', async (t) => {
  const j = io();
  t.equal(await explainCommand({ message: PTMX, format: 'json' }, j), 0);
  const doc = JSON.parse(j.out()) as { explained: boolean; explanations: Array<Record<string, unknown>> };
  t.equal(doc.explained, true);
  t.equal(doc.explanations[0]?.['id'], 'devpts-ptmx');
  const cause = (doc.explanations[0]?.['causes'] as Array<Record<string, unknown>>)[0];
  t.equal(cause?.['confirm'], 'droidcheck probe --check fs.devpts-instances --check fs.devpts');
  t.same(cause?.['checkIds'], ['fs.devpts-instances', 'fs.devpts']);
  t.equal(cause?.['verdict'], 'possible');
  t.equal(cause?.['confidence'], 'high');
  const y = io();
  await explainCommand({ message: PTMX, format: 'yaml' }, y);
  t.same(yaml.load(y.out()), doc);
});

t.test('nothing matched: exit 1 and the hint', async (t) => {
  const x = io();
  t.equal(await explainCommand({ message: 'everything is fine', format: 'table' }, x), 1);
  t.match(x.out(), new RegExp(`^${NO_MATCH}: droidcheck does not know this message`));
  t.match(x.out(), /next:\n  - droidcheck probe/);
  const j = io();
  t.equal(await explainCommand({ message: 'everything is fine', format: 'json' }, j), 1);
  const doc = JSON.parse(j.out()) as Record<string, unknown>;
  t.equal(doc['explained'], false);
  t.same(doc['explanations'], []);
  t.ok(Array.isArray(doc['next']));
  t.match(j.err(), NO_MATCH);
});

t.test('usage errors: exit 2', async (t) => {
  const empty = io('  \n');
  t.equal(await explainCommand({ format: 'table' }, empty), 2, 'empty stdin');
  t.match(empty.err(), /give the error text as an argument, with --file LOG or on stdin/);
  t.equal(empty.out(), '');
  const blank = io();
  t.equal(await explainCommand({ message: '   ', format: 'table' }, blank), 2, 'blank argument');
  const broken: ExplainIo = { ...io(), stdin: async () => Promise.reject(new Error('EIO')) };
  let err = '';
  broken.stderr = (s) => void (err += s);
  t.equal(await explainCommand({ format: 'table' }, broken), 2, 'unreadable stdin');
  t.match(err, /reading stdin: EIO/);
});

t.test('alternatives read "or: ..." once', async (t) => {
  const x = io();
  await explainCommand({ message: 'mkdir /run/runc: read-only file system', format: 'table' }, x);
  t.match(x.out(), /\n   or: \(root\) mount a tmpfs at \/run/);
  t.notMatch(x.out(), /or: or /);
});
