/** Speech-to-text: one finished utterance (PCM16LE mono) → its text. */
export interface SpeechToText {
  readonly name: string;
  transcribe(pcm: Buffer, sampleRate: number, signal: AbortSignal): Promise<string>;
}

/** Text-to-speech: text → PCM16LE mono at `sampleRate`. */
export interface TextToSpeech {
  readonly name: string;
  synthesize(text: string, opts: { voice: string | null; sampleRate: number }, signal: AbortSignal): Promise<Buffer>;
}

/** A provider answered with an error or could not be reached. */
export class SpeechProviderError extends Error {
  constructor(
    readonly provider: string,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** POSTs to an operator-configured speech endpoint with the per-request timeout; throws SpeechProviderError. */
export async function speechFetch(
  provider: string,
  url: string,
  init: { headers: Record<string, string>; body: Buffer | string | FormData },
  signal: AbortSignal,
  timeoutMs: number,
): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: init.headers,
      body: init.body,
      signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
      redirect: 'error',
    });
  } catch (err) {
    if (signal.aborted) {
      throw err;
    }
    throw new SpeechProviderError(provider, `${provider} unreachable: ${(err as Error).message}`);
  }
  if (!res.ok) {
    const text = (await res.text().catch(() => '')).slice(0, 300);
    throw new SpeechProviderError(provider, `${provider} answered ${res.status}${text ? `: ${text}` : ''}`, res.status);
  }
  return res;
}

/** Reads a response body, refusing more than `max` bytes. */
export async function readCapped(provider: string, res: Response, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  if (!res.body) {
    return Buffer.alloc(0);
  }
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    total += chunk.length;
    if (total > max) {
      throw new SpeechProviderError(provider, `${provider} answer larger than ${max} bytes`);
    }
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}
