import { AppConfig } from '@libs/config';
import { SpeechProviders } from './speech-providers';

const providers = (env: Record<string, string>) => new SpeechProviders(AppConfig.fromEnv({ NODE_ENV: 'test', ...env }));

describe('SpeechProviders', () => {
  it('defaults to Deepgram + ElevenLabs, configured only with their keys', () => {
    expect(providers({}).missing()).toEqual(['stt', 'tts']);
    expect(providers({ DEEPGRAM_API_KEY: 'k' }).missing()).toEqual(['tts']);
    const both = providers({ DEEPGRAM_API_KEY: 'k', ELEVENLABS_API_KEY: 'k' });
    expect(both.missing()).toEqual([]);
    expect([both.stt?.name, both.tts?.name]).toEqual(['deepgram', 'elevenlabs']);
    // a base URL alone does not configure a keyed vendor
    expect(providers({ DEEPGRAM_BASE_URL: 'http://127.0.0.1:1' }).missing()).toEqual(['stt', 'tts']);
  });

  it('the OpenAI-compatible providers need VOICE_BASE_URL or VOICE_API_KEY', () => {
    const sel = { VOICE_STT_PROVIDER: 'openai', VOICE_TTS_PROVIDER: 'openai' };
    expect(providers(sel).missing()).toEqual(['stt', 'tts']);
    expect(providers({ ...sel, VOICE_BASE_URL: 'http://127.0.0.1:1/v1' }).missing()).toEqual([]);
    const keyed = providers({ ...sel, VOICE_API_KEY: 'sk' });
    expect([keyed.stt?.name, keyed.tts?.name]).toEqual(['openai', 'openai']);
    // mixed: OpenAI STT with ElevenLabs TTS
    const mixed = providers({ VOICE_STT_PROVIDER: 'openai', VOICE_API_KEY: 'sk', ELEVENLABS_API_KEY: 'k' });
    expect([mixed.stt?.name, mixed.tts?.name]).toEqual(['openai', 'elevenlabs']);
  });

  it('refuses unknown provider names at boot', () => {
    expect(() => providers({ VOICE_STT_PROVIDER: 'whisper-local' })).toThrow(/VOICE_STT_PROVIDER/);
  });
});
