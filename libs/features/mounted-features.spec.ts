import { Controller, Get } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { RequiresFeature } from './features';
import { MountedFeatures } from './mounted-features';

@Controller('probe-voice')
@RequiresFeature('voice')
class VoiceProbeController {
  @Get()
  get() {
    return {};
  }
}

@Controller('probe-rag')
class RagProbeController {
  @Get()
  @RequiresFeature('rag')
  get() {
    return {};
  }
}

describe('MountedFeatures', () => {
  it('reports the flags that have routes behind them (on the controller or on a route), and no others', async () => {
    const mod = await Test.createTestingModule({
      imports: [DiscoveryModule],
      controllers: [VoiceProbeController, RagProbeController],
      providers: [MountedFeatures],
    }).compile();
    const mounted = mod.get(MountedFeatures);
    expect(mounted.has('voice')).toBe(true);
    expect(mounted.has('rag')).toBe(true);
    expect(mounted.has('workers')).toBe(false);
    expect(mounted.has('orchestrator')).toBe(false);
    await mod.close();
  });
});
