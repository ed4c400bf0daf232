import { ValidationException } from '@libs/errors';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

const PDF_TIMEOUT_MS = 30_000;

/**
 * Runs in a short-lived worker thread: pdf.js (through unpdf) is CPU-heavy on large files and
 * parses untrusted bytes, so it gets its own thread with a memory cap and a deadline; it also
 * needs a plain Node realm for its ESM bundle (unpdf loads it with a dynamic import).
 */
const PDF_WORKER_SOURCE = String.raw`
'use strict';
import('node:worker_threads').then(async ({ parentPort, workerData }) => {
  try {
    const { getDocumentProxy, extractText, getMeta } = await import(workerData.unpdfUrl);
    let pdf;
    try {
      pdf = await getDocumentProxy(workerData.bytes, { verbosity: 0 });
    } catch (err) {
      parentPort.postMessage({ invalid: String((err && err.message) || err) });
      return;
    }
    const { text } = await extractText(pdf, { mergePages: false });
    let title;
    try {
      const meta = await getMeta(pdf);
      title = meta && meta.info && typeof meta.info.Title === 'string' ? meta.info.Title : undefined;
    } catch {}
    await pdf.destroy();
    parentPort.postMessage({ pages: text, title });
  } catch (err) {
    parentPort.postMessage({ error: String((err && err.message) || err) });
  }
});
`;

type Reply = { pages: string[]; title?: string } | { invalid: string } | { error: string };

/** Page texts and title of a PDF; 400 `validation_failed` when the bytes are not a readable PDF. */
export function extractPdf(bytes: Uint8Array): Promise<{ pages: string[]; title?: string }> {
  return new Promise((resolve, reject) => {
    const copy = new Uint8Array(bytes);
    const worker = new Worker(PDF_WORKER_SOURCE, {
      eval: true,
      workerData: { unpdfUrl: pathToFileURL(require.resolve('unpdf')).href, bytes: copy },
      transferList: [copy.buffer],
      resourceLimits: { maxOldGenerationSizeMb: 256 },
    });
    let settled = false;
    const done = (fn: () => void) => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        fn();
        void worker.terminate();
      }
    };
    const invalid = (why: string) =>
      new ValidationException('The file is not a readable PDF', { fields: [{ field: 'file', errors: [why] }] });
    const timer = setTimeout(() => done(() => reject(invalid('the PDF took too long to read'))), PDF_TIMEOUT_MS);
    worker.on('message', (m: Reply) =>
      done(() => {
        if ('pages' in m) {
          resolve({ pages: m.pages, title: m.title });
        } else if ('invalid' in m) {
          reject(invalid(m.invalid));
        } else {
          reject(invalid(m.error));
        }
      }),
    );
    worker.on('error', (err) => done(() => reject(invalid(err.message))));
    worker.on('exit', (code) => done(() => reject(invalid(`the PDF reader stopped (${code})`))));
  });
}
