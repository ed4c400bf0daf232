import { resamplePcm16 } from '../audio/wav';
import { readCapped, speechFetch, SpeechProviderError, type TextToSpeech } from './speech.types';

export interface ElevenLabsOptions {
  apiKey: string;
  voiceId?: string;
  baseUrl: string;
  model: string;
  timeoutMs: number;
  maxAudioBytes: number;
}

/** PCM output rates ElevenLabs offers (`output_format=pcm_<rate>`). */
const PCM_RATES = [16_000, 22_050, 24_000, 44_100];

/** ElevenLabs REST: `POST {base}/v1/text-to-speech/:voice_id?output_format=pcm_<rate>` `{ text, model_id }`. */
export class ElevenLabsTextToSpeech implements TextToSpeech {
  readonly name = 'elevenlabs';
  constructor(private readonly o: ElevenLabsOptions) {}

  async synthesize(
    text: string,
    opts: { voice: string | null; sampleRate: number },
    signal: AbortSignal,
  ): Promise<Buffer> {
    const voice = opts.voice ?? this.o.voiceId;
    if (!voice) {
      throw new SpeechProviderError(this.name, 'no ElevenLabs voice id (session voice_id or ELEVENLABS_VOICE_ID)');
    }
    const rate = PCM_RATES.includes(opts.sampleRate) ? opts.sampleRate : 24_000;
    const url = new URL(`${this.o.baseUrl}/v1/text-to-speech/${encodeURIComponent(voice)}`);
    url.searchParams.set('output_format', `pcm_${rate}`);
    const res = await speechFetch(
      this.name,
      url.toString(),
      {
        headers: { 'xi-api-key': this.o.apiKey, 'content-type': 'application/json', accept: 'audio/pcm' },
        body: JSON.stringify({ text, model_id: this.o.model }),
      },
      signal,
      this.o.timeoutMs,
    );
    const pcm = await readCapped(this.name, res, this.o.maxAudioBytes);
    return resamplePcm16(pcm, rate, opts.sampleRate);
  }
}
