import t from 'tap';
import { mountFor, parseMountinfo } from '../../src/sys/mountinfo.js';

t.test('parseMountinfo and mountFor', async (t) => {
  const m = parseMountinfo(
    [
      '1 1 0:1 / / ro,relatime - rootfs rootfs ro,seclabel',
      '20 13 0:18 / /dev/cpuset rw,relatime shared:5 - cgroup none rw,cpuset,noprefix',
      '24 1 259:11 / /data rw,nosuid,nodev - ext4 /dev/block/by\\040name/UDA rw',
      '25 24 0:30 / /data/my\\040dir rw - tmpfs tmpfs rw',
      'broken line',
      '',
    ].join('\n'),
  );
  t.equal(m.length, 4);
  t.match(m[1], { mountPoint: '/dev/cpuset', fsType: 'cgroup', superOptions: ['rw', 'cpuset', 'noprefix'] });
  t.equal(m[2]?.source, '/dev/block/by name/UDA');
  t.equal(mountFor(m, '/data/local/tmp')?.mountPoint, '/data');
  t.equal(mountFor(m, '/data/my dir/x')?.mountPoint, '/data/my dir');
  t.equal(mountFor(m, '/database')?.mountPoint, '/');
  t.equal(mountFor([], '/'), undefined);
});
