/** What other modules (the WebSocket gateway) may ask the pipelines module. */
export abstract class PipelineRunsContract {
  /** Whether the org has a pipeline run with this id (authorizes `pipeline_run:<id>` topics). */
  abstract runExists(orgId: string, runId: string): Promise<boolean>;
}
