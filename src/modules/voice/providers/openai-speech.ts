import { resamplePcm16, wavFromPcm16 } from '../audio/wav';
import { readCapped, speechFetch, SpeechProviderError, type SpeechToText, type TextToSpeech } from './speech.types';

export interface OpenAiSpeechOptions {
  baseUrl: string;
  apiKey?: string;
  sttModel: string;
  ttsModel: string;
  ttsVoice: string;
  timeoutMs: number;
  maxAudioBytes: number;
}

/** `pcm` from /audio/speech is 24 kHz, 16-bit, mono. */
export const OPENAI_PCM_RATE = 24_000;

function auth(key?: string): Record<string, string> {
  return key ? { authorization: `Bearer ${key}` } : {};
}

/** OpenAI-compatible `POST {base}/audio/transcriptions` (multipart WAV → `{ text }`). */
export class OpenAiSpeechToText implements SpeechToText {
  readonly name = 'openai';
  constructor(private readonly o: OpenAiSpeechOptions) {}

  async transcribe(pcm: Buffer, sampleRate: number, signal: AbortSignal): Promise<string> {
    const form = new FormData();
    form.append('file', new Blob([wavFromPcm16(pcm, sampleRate)], { type: 'audio/wav' }), 'utterance.wav');
    form.append('model', this.o.sttModel);
    form.append('response_format', 'json');
    const res = await speechFetch(
      this.name,
      `${this.o.baseUrl}/audio/transcriptions`,
      { headers: auth(this.o.apiKey), body: form },
      signal,
      this.o.timeoutMs,
    );
    const body = (await res.json().catch(() => null)) as { text?: unknown } | null;
    if (!body || typeof body.text !== 'string') {
      throw new SpeechProviderError(this.name, 'openai transcription answer has no "text"');
    }
    return body.text.trim();
  }
}

/** OpenAI-compatible `POST {base}/audio/speech` `{ model, voice, input, response_format: "pcm" }` → PCM16 24 kHz. */
export class OpenAiTextToSpeech implements TextToSpeech {
  readonly name = 'openai';
  constructor(private readonly o: OpenAiSpeechOptions) {}

  async synthesize(
    text: string,
    opts: { voice: string | null; sampleRate: number },
    signal: AbortSignal,
  ): Promise<Buffer> {
    const res = await speechFetch(
      this.name,
      `${this.o.baseUrl}/audio/speech`,
      {
        headers: { ...auth(this.o.apiKey), 'content-type': 'application/json' },
        body: JSON.stringify({
          model: this.o.ttsModel,
          voice: opts.voice ?? this.o.ttsVoice,
          input: text,
          response_format: 'pcm',
        }),
      },
      signal,
      this.o.timeoutMs,
    );
    const pcm = await readCapped(this.name, res, this.o.maxAudioBytes);
    return resamplePcm16(pcm, OPENAI_PCM_RATE, opts.sampleRate);
  }
}
