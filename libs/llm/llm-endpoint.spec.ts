import { InstallLlmKeys, llmEndpoint, sameLlmDestination, selectLlmAccess } from './llm-endpoint';

const KEYS = { openai: 'sk-install-openai', anthropic: 'sk-install-anthropic', google: 'g-install' };

function install(over: Partial<InstallLlmKeys> = {}): InstallLlmKeys {
  return { provider: 'offline', providerKeys: KEYS, ...over };
}

describe('llmEndpoint', () => {
  it('normalises case, default ports and trailing slashes, and knows the providers defaults', () => {
    expect(llmEndpoint('openai')).toBe('https://api.openai.com/v1');
    expect(llmEndpoint('openai', 'HTTPS://API.OpenAI.com:443/v1/')).toBe('https://api.openai.com/v1');
    expect(llmEndpoint('vllm', 'http://gpu:8000/v1')).toBe('http://gpu:8000/v1');
    expect(llmEndpoint('ollama')).toBe('http://127.0.0.1:11434/v1');
    expect(llmEndpoint('offline')).toBeNull();
    expect(llmEndpoint('openai', 'not a url')).toBeNull();
  });

  it('keeps credentials and query in the comparison', () => {
    expect(llmEndpoint('openai', 'https://user:pw@api.openai.com/v1')).not.toBe(llmEndpoint('openai'));
    expect(llmEndpoint('openai', 'https://api.openai.com/v1?x=1')).not.toBe(llmEndpoint('openai'));
  });

  it('sameLlmDestination needs the same provider and endpoint', () => {
    expect(
      sameLlmDestination({ provider: 'openai' }, { provider: 'openai', baseUrl: 'https://api.openai.com/v1/' }),
    ).toBe(true);
    expect(sameLlmDestination({ provider: 'openai' }, { provider: 'openai', baseUrl: 'https://evil.example/v1' })).toBe(
      false,
    );
    expect(
      sameLlmDestination({ provider: 'vllm', baseUrl: 'http://a/v1' }, { provider: 'ollama', baseUrl: 'http://a/v1' }),
    ).toBe(false);
    expect(sameLlmDestination({ provider: 'offline' }, { provider: 'offline' })).toBe(false);
  });
});

describe('selectLlmAccess (the key rule)', () => {
  it('an org base URL gets only the org key, never an install key', () => {
    const env = install({ provider: 'openai', apiKey: 'sk-llm-install' });
    for (const provider of ['openai', 'anthropic', 'google', 'vllm', 'ollama', 'lmstudio'] as const) {
      expect(selectLlmAccess({ provider, baseUrl: 'http://attacker.example/v1' }, env)).toEqual({
        apiKey: undefined,
        installEndpoint: false,
      });
      expect(selectLlmAccess({ provider, baseUrl: 'http://attacker.example/v1', apiKey: 'own' }, env)).toEqual({
        apiKey: 'own',
        installEndpoint: false,
      });
    }
  });

  it('the install endpoint (LLM_BASE_URL) gets LLM_API_KEY, else the key of LLM_PROVIDER', () => {
    const env = install({ provider: 'vllm', baseUrl: 'http://127.0.0.1:8000/v1', apiKey: 'sk-llm-install' });
    expect(selectLlmAccess({ provider: 'vllm', baseUrl: 'http://127.0.0.1:8000/v1/' }, env)).toEqual({
      apiKey: 'sk-llm-install',
      installEndpoint: true,
    });
    expect(selectLlmAccess({ provider: 'vllm', baseUrl: 'http://127.0.0.1:8001/v1' }, env)).toEqual({
      apiKey: undefined,
      installEndpoint: false,
    });
    const openaiEnv = install({ provider: 'openai', baseUrl: 'https://gateway.example/v1' });
    expect(selectLlmAccess({ provider: 'openai', baseUrl: 'https://gateway.example/v1' }, openaiEnv).apiKey).toBe(
      'sk-install-openai',
    );
    // an org's own key wins at the install endpoint too
    expect(selectLlmAccess({ provider: 'vllm', baseUrl: 'http://127.0.0.1:8000/v1', apiKey: 'own' }, env).apiKey).toBe(
      'own',
    );
  });

  it('the hosted providers public endpoints get their install key; LLM_API_KEY stays with LLM_BASE_URL', () => {
    const env = install({ provider: 'openai', baseUrl: 'https://gateway.example/v1', apiKey: 'sk-gateway' });
    expect(selectLlmAccess({ provider: 'openai' }, env)).toEqual({
      apiKey: 'sk-install-openai',
      installEndpoint: true,
    });
    expect(selectLlmAccess({ provider: 'anthropic' }, env)).toEqual({
      apiKey: 'sk-install-anthropic',
      installEndpoint: true,
    });
    expect(
      selectLlmAccess({ provider: 'google', baseUrl: 'https://generativelanguage.googleapis.com/v1beta/' }, env),
    ).toEqual({
      apiKey: 'g-install',
      installEndpoint: true,
    });
    // LLM_PROVIDER=openai without LLM_BASE_URL: LLM_API_KEY goes to api.openai.com only
    const plain = install({ provider: 'openai', apiKey: 'sk-llm' });
    expect(selectLlmAccess({ provider: 'openai' }, plain).apiKey).toBe('sk-llm');
    expect(selectLlmAccess({ provider: 'anthropic' }, plain).apiKey).toBe('sk-install-anthropic');
  });

  it('a local provider default (no base URL) is not an install endpoint unless LLM_* names it', () => {
    expect(selectLlmAccess({ provider: 'ollama' }, install({ provider: 'openai', apiKey: 'x' }))).toEqual({
      apiKey: undefined,
      installEndpoint: false,
    });
    expect(selectLlmAccess({ provider: 'ollama' }, install({ provider: 'ollama' }))).toEqual({
      apiKey: undefined,
      installEndpoint: true,
    });
  });

  it('look-alike URLs are not the install endpoint', () => {
    const env = install({ provider: 'openai', apiKey: 'sk-llm' });
    for (const baseUrl of [
      'https://api.openai.com.attacker.example/v1',
      'https://api.openai.com@attacker.example/v1',
      'http://api.openai.com/v1',
      'https://api.openai.com:8443/v1',
      'https://api.openai.com/v2',
    ]) {
      expect(selectLlmAccess({ provider: 'openai', baseUrl }, env)).toEqual({
        apiKey: undefined,
        installEndpoint: false,
      });
    }
  });

  it('offline needs nothing', () => {
    expect(selectLlmAccess({ provider: 'offline' }, install({ provider: 'openai', apiKey: 'x' }))).toEqual({
      apiKey: undefined,
      installEndpoint: true,
    });
  });
});
