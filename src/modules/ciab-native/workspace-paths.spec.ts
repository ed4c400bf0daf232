import { isText, normalizeWorkspacePath, parseListing, WorkspacePathError } from './workspace-paths';

describe('workspace paths', () => {
  it('normalises relative paths', () => {
    expect(normalizeWorkspacePath(undefined)).toBe('.');
    expect(normalizeWorkspacePath('')).toBe('.');
    expect(normalizeWorkspacePath('./src//app.ts')).toBe('src/app.ts');
    expect(normalizeWorkspacePath('a/./b/')).toBe('a/b');
  });

  it.each(['../x', 'a/../../b', '..', '/etc/passwd', '~/x', 'a\\..\\b', 'a\u0000b', 'x\ny'])('refuses %j', (p) => {
    expect(() => normalizeWorkspacePath(p)).toThrow(WorkspacePathError);
  });

  it('parses a NUL-separated listing', () => {
    const raw = Buffer.from(
      ['b.txt', '3', '644', '1700000000.5', 'f', 'src', '4096', '755', '1700000000', 'd', ''].join('\0'),
    );
    expect(parseListing(raw)).toEqual([
      { name: 'b.txt', size: 3, mode: '644', modified: '2023-11-14T22:13:20.500Z', type: 'file' },
      { name: 'src', size: 4096, mode: '755', modified: '2023-11-14T22:13:20.000Z', type: 'dir' },
    ]);
  });

  it('tells text from binary', () => {
    expect(isText(Buffer.from('héllo'))).toBe(true);
    expect(isText(Buffer.from([0xff, 0xfe, 0x00]))).toBe(false);
  });
});
