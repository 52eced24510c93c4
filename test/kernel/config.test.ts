import t from 'tap';
import { gzipSync } from 'node:zlib';
import { decodeKernelConfig, optionName, optionState, parseKernelConfig } from '../../src/kernel/config.js';
import { compareKernelVersion, formatKernelVersion, kernelBelow, parseKernelVersion } from '../../src/kernel/version.js';

const TEXT = `#
# Automatically generated file; DO NOT EDIT.
# Linux/arm64 3.10.40 Kernel Configuration
#
CONFIG_NAMESPACES=y
CONFIG_UTS_NS=y
# CONFIG_IPC_NS is not set
CONFIG_OVERLAY_FS=m
CONFIG_CMDLINE="console=ttyS0"
CONFIG_LOG_BUF_SHIFT=17
CONFIG_OFF=n
`;

t.test('parseKernelConfig', async (t) => {
  const c = parseKernelConfig(TEXT, 'x');
  t.equal(c.version, '3.10.40');
  t.equal(c.values.get('CONFIG_CMDLINE'), '"console=ttyS0"');
  t.ok(c.unset.has('CONFIG_IPC_NS'));
  t.equal(optionState(c, 'UTS_NS'), 'enabled');
  t.equal(optionState(c, 'CONFIG_OVERLAY_FS'), 'module');
  t.equal(optionState(c, 'IPC_NS'), 'missing');
  t.equal(optionState(c, 'OFF'), 'missing');
  t.equal(optionState(c, 'LOG_BUF_SHIFT'), 'enabled');
  t.equal(optionName('X'), 'CONFIG_X');
  t.equal(parseKernelConfig('', 'y').version, null);
});

t.test('decodeKernelConfig reads plain and gzip', async (t) => {
  t.equal(decodeKernelConfig(Buffer.from(TEXT)), TEXT);
  t.equal(decodeKernelConfig(gzipSync(TEXT)), TEXT);
  t.throws(() => decodeKernelConfig(Buffer.from([0x1f, 0x8b, 1, 2, 3])));
});

t.test('kernel versions', async (t) => {
  t.same(parseKernelVersion('3.10.40-g1234abc'), [3, 10, 40]);
  t.same(parseKernelVersion('6.1'), [6, 1, 0]);
  t.same(parseKernelVersion(' v4.14-rc1'), [4, 14, 0]);
  t.equal(parseKernelVersion('Linux'), null);
  t.equal(parseKernelVersion(undefined), null);
  t.ok(compareKernelVersion([3, 10, 0], [4, 7, 0]) < 0);
  t.equal(compareKernelVersion([4, 7, 1], [4, 7, 1]), 0);
  t.ok(kernelBelow([4, 6, 99], '4.7'));
  t.notOk(kernelBelow([4, 7, 0], '4.7'));
  t.notOk(kernelBelow(null, '4.7'));
  t.notOk(kernelBelow([4, 7, 0], 'junk'));
  t.equal(formatKernelVersion([3, 10, 40]), '3.10.40');
});
