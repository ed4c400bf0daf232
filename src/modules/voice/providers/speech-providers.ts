import { AppConfig } from '@libs/config';
import { Injectable } from '@nestjs/common';
import { DeepgramSpeechToText } from './deepgram-stt';
import { ElevenLabsTextToSpeech } from './elevenlabs-tts';
import { OpenAiSpeechToText, OpenAiTextToSpeech, type OpenAiSpeechOptions } from './openai-speech';
import type { SpeechToText, TextToSpeech } from './speech.types';

/** Largest TTS answer read for one sentence (≈ 5 min of 24 kHz PCM16). */
const MAX_TTS_BYTES = 16 * 1024 * 1024;

/**
 * The install's speech providers (VOICE_STT_PROVIDER / VOICE_TTS_PROVIDER): operator-configured
 * endpoints, not org input, so they are called directly (no egress guard). A provider is
 * configured only when its key (or, for `openai`, VOICE_BASE_URL or VOICE_API_KEY) is set.
 */
@Injectable()
export class SpeechProviders {
  readonly stt: SpeechToText | null;
  readonly tts: TextToSpeech | null;

  constructor(config: AppConfig) {
    const v = config.voice;
    const openai: OpenAiSpeechOptions = {
      ...v.openai,
      timeoutMs: v.providerTimeoutMs,
      maxAudioBytes: MAX_TTS_BYTES,
    };
    this.stt =
      v.sttProvider === 'openai'
        ? v.openai.configured
          ? new OpenAiSpeechToText(openai)
          : null
        : v.deepgram.apiKey
          ? new DeepgramSpeechToText({ ...v.deepgram, apiKey: v.deepgram.apiKey, timeoutMs: v.providerTimeoutMs })
          : null;
    this.tts =
      v.ttsProvider === 'openai'
        ? v.openai.configured
          ? new OpenAiTextToSpeech(openai)
          : null
        : v.elevenlabs.apiKey
          ? new ElevenLabsTextToSpeech({
              ...v.elevenlabs,
              apiKey: v.elevenlabs.apiKey,
              timeoutMs: v.providerTimeoutMs,
              maxAudioBytes: MAX_TTS_BYTES,
            })
          : null;
  }

  /** What is not configured (`stt`, `tts`); empty when sessions can run. */
  missing(): string[] {
    return [...(this.stt ? [] : ['stt']), ...(this.tts ? [] : ['tts'])];
  }
}
