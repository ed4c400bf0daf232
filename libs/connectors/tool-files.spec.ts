import { replaceToolFiles, ToolFile, toolFilesOf } from './tool-files';

describe('tool files (how a connector tool returns a file)', () => {
  const log = ToolFile.text('web.log', 'hello');
  const png = ToolFile.base64('p.png', Buffer.from([0x89, 0x50]).toString('base64'), 'image/png');

  it('finds ToolFile instances: a bare file, or the top-level `files` array', () => {
    expect(toolFilesOf(log)).toEqual([log]);
    expect(toolFilesOf({ pod: 'x', files: [log, 'other', png] })).toEqual([log, png]);
    expect(png.content).toEqual(Buffer.from([0x89, 0x50]));
    expect(log.contentType).toBe('text/plain; charset=utf-8');
  });

  it('JSON shaped like files (a remote API answer) is never a file', () => {
    expect(
      toolFilesOf({
        files: [
          { name: 'a.txt', content_base64: 'aGk=' },
          { name: 'b', text: 'hi' },
        ],
      }),
    ).toEqual([]);
    expect(toolFilesOf({ nested: { files: [log] } })).toEqual([]);
    expect(toolFilesOf(null)).toEqual([]);
    expect(toolFilesOf('text')).toEqual([]);
    expect(toolFilesOf({ files: 'x' })).toEqual([]);
  });

  it('replaces each file by its reference and keeps everything else', () => {
    const refs = new Map<ToolFile, unknown>([
      [log, { artifact_id: 'art_1' }],
      [png, { artifact_id: 'art_2' }],
    ]);
    expect(replaceToolFiles({ pod: 'x', files: [log, 'other', png] }, refs)).toEqual({
      pod: 'x',
      files: [{ artifact_id: 'art_1' }, 'other', { artifact_id: 'art_2' }],
    });
    expect(replaceToolFiles(log, refs)).toEqual({ files: [{ artifact_id: 'art_1' }] });
  });
});
