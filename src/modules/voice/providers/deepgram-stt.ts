import { wavFromPcm16 } from '../audio/wav';
import { speechFetch, SpeechProviderError, type SpeechToText } from './speech.types';

export interface DeepgramOptions {
  apiKey: string;
  baseUrl: string;
  model: string;
  timeoutMs: number;
}

/** Deepgram pre-recorded REST: `POST {base}/v1/listen?model=…` with a WAV body, `Authorization: Token <key>`. */
export class DeepgramSpeechToText implements SpeechToText {
  readonly name = 'deepgram';
  constructor(private readonly o: DeepgramOptions) {}

  async transcribe(pcm: Buffer, sampleRate: number, signal: AbortSignal): Promise<string> {
    const url = new URL(`${this.o.baseUrl}/v1/listen`);
    url.searchParams.set('model', this.o.model);
    url.searchParams.set('smart_format', 'true');
    const res = await speechFetch(
      this.name,
      url.toString(),
      {
        headers: { authorization: `Token ${this.o.apiKey}`, 'content-type': 'audio/wav' },
        body: wavFromPcm16(pcm, sampleRate),
      },
      signal,
      this.o.timeoutMs,
    );
    const body = (await res.json().catch(() => null)) as {
      results?: { channels?: Array<{ alternatives?: Array<{ transcript?: unknown }> }> };
    } | null;
    const transcript = body?.results?.channels?.[0]?.alternatives?.[0]?.transcript;
    if (typeof transcript !== 'string') {
      throw new SpeechProviderError(this.name, 'deepgram answer has no results.channels[0].alternatives[0].transcript');
    }
    return transcript.trim();
  }
}
