import { describe, expect, it } from 'vitest';
import { capNames, parseMountinfo } from './live.ts';

describe('reading /proc', () => {
  it('capNames: a status mask as names, unknown bits by number', () => {
    expect(capNames('0000000000000000')).toEqual([]);
    expect(capNames('00000000a0000420')).toEqual(['CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_AUDIT_WRITE', 'CAP_SETFCAP']);
    expect(capNames('0000000000200000')).toEqual(['CAP_SYS_ADMIN']);
    expect(capNames('8000000000000000')).toEqual(['CAP_63']);
  });

  it('parseMountinfo: mount point (unescaped), type and per-mount rw', () => {
    const text = [
      '600 500 8:1 /var/lib/x/rootfs / ro,relatime master:1 - ext4 /dev/sda1 rw',
      '601 600 0:5 / /proc rw,nosuid - proc proc rw',
      '602 600 8:1 /srv/my\\040data /data rw,relatime - ext4 /dev/sda1 rw',
      '',
    ].join('\n');
    expect(parseMountinfo(text)).toEqual([
      { mountpoint: '/', fstype: 'ext4', writable: false },
      { mountpoint: '/proc', fstype: 'proc', writable: true },
      { mountpoint: '/data', fstype: 'ext4', writable: true },
    ]);
  });
});
