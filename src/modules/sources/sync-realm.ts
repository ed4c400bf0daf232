/**
 * Which realm a sync job writes and which realms its orphan archiving covers (docs/pipelines.md
 * "Target realm"). A node is identified by (org, source, key), not by realm, so a source synced
 * directly (its realm) and through a pipeline (the pipeline's realm) shares nodes whose keys are
 * equal (they carry the realm of the run that wrote them last), while each kind of run archives
 * only orphans in its own part of the graph:
 * - a job with a realm override (a pipeline step whose pipeline's realm is not the source's)
 *   writes that realm and archives only the source's orphans in that realm;
 * - any other job writes the source's realm and archives the source's orphans in every realm
 *   except those that overriding jobs of the source have written (so a realm change of the
 *   source still archives what it left behind in its former realm).
 */
export interface JobRealmScope {
  /** the realm every node and edge of the job gets */
  realm: string;
  /** realm part of the orphan scope (GraphWriter.commit `archiveRealms`) */
  archiveRealms: { only?: string[]; except?: string[] };
}

export function jobRealmScope(sourceRealm: string, jobRealm: string | null, overrideRealms: string[]): JobRealmScope {
  if (jobRealm && jobRealm !== sourceRealm) {
    return { realm: jobRealm, archiveRealms: { only: [jobRealm] } };
  }
  const except = [...new Set(overrideRealms.filter((r) => r !== sourceRealm))].sort();
  return { realm: sourceRealm, archiveRealms: except.length ? { except } : {} };
}
