import { checkPublicHttpUrl, isBlockedAddress } from './ip-guard';

describe('isBlockedAddress', () => {
  it.each([
    ['127.0.0.1', true],
    ['10.1.2.3', true],
    ['172.16.0.1', true],
    ['172.31.255.255', true],
    ['192.168.1.1', true],
    ['169.254.169.254', true],
    ['100.64.0.1', true],
    ['0.0.0.0', true],
    ['::1', true],
    ['fd00::1', true],
    ['fe80::1', true],
    ['::ffff:127.0.0.1', true],
    // IPv6 forms that carry a private IPv4: IPv4-compatible, 6to4, NAT64 (well-known and local-use).
    ['::127.0.0.1', true],
    ['::7f00:1', true],
    ['::a00:5', true],
    ['2002:7f00:1::', true],
    ['2002:c0a8:101::1', true],
    ['2002:a9fe:a9fe::', true],
    ['64:ff9b::10.0.0.1', true],
    ['64:ff9b:1::a00:1', true],
    ['2002:808:808::1', false],
    ['::808:808', false],
    ['64:ff9b:1::808:808', false],
    ['8.8.8.8', false],
    ['172.32.0.1', false],
    ['2400:3200::1', false],
    ['example.com', false],
  ])('%s → %s', (ip, blocked) => expect(isBlockedAddress(ip)).toBe(blocked));
});

describe('checkPublicHttpUrl', () => {
  it.each([
    ['https://oss.example.com/a.jpg', true],
    ['http://oss.example.com/a.png', true],
    ['ftp://oss.example.com/a.jpg', false],
    ['javascript:alert(1)', false],
    ['file:///etc/passwd', false],
    ['/relative.jpg', false],
    ['http://127.0.0.1/a.jpg', false],
    ['http://2130706433/a.jpg', false],
    ['http://0x7f.1/a.jpg', false],
    ['http://localhost:8080/a.jpg', false],
    ['http://img.localhost/a.jpg', false],
    ['http://169.254.169.254/latest/meta-data', false],
    ['http://[::1]/a.jpg', false],
    ['http://[2002:7f00:1::]/a.jpg', false],
    ['http://[::127.0.0.1]/a.jpg', false],
    ['http://[64:ff9b::169.254.169.254]/latest/meta-data', false],
    ['http://10.0.0.5/a.jpg', false],
    ['http://user:pw@oss.example.com/a.jpg', false],
  ])('%s → %s', (url, ok) => expect(checkPublicHttpUrl(url, []).ok).toBe(ok));

  it('lets an allow-listed host through even when it is local', () => {
    expect(checkPublicHttpUrl('http://localhost:9000/a.jpg', ['localhost']).ok).toBe(true);
    expect(checkPublicHttpUrl('http://127.0.0.1/a.jpg', ['localhost']).ok).toBe(false);
  });
});
