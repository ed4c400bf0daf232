import { jobRealmScope } from './sync-realm';

describe('jobRealmScope (pipeline target realm of a sync job)', () => {
  it("a job with another realm than the source's writes it and archives only inside it", () => {
    expect(jobRealmScope('hr', 'sales', ['sales', 'ops'])).toEqual({
      realm: 'sales',
      archiveRealms: { only: ['sales'] },
    });
  });

  it("the source's own sync writes its realm and leaves the realms of pipeline copies out of its orphans", () => {
    expect(jobRealmScope('hr', null, ['sales', 'hr', 'ops', 'sales'])).toEqual({
      realm: 'hr',
      archiveRealms: { except: ['ops', 'sales'] },
    });
    // no pipeline copy: every realm of the source (a former realm after a realm change included)
    expect(jobRealmScope('hr', null, [])).toEqual({ realm: 'hr', archiveRealms: {} });
  });

  it("a realm override equal to the source's realm is the source's own sync", () => {
    expect(jobRealmScope('hr', 'hr', ['ops'])).toEqual({ realm: 'hr', archiveRealms: { except: ['ops'] } });
  });
});
