import { deriveAction } from '@libs/policy/actions';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common/enums/request-method.enum';
import { CiabRemoteController } from './ciab-remote.controller';
import { OrchestratorController, OrchestratorStatusController } from './orchestrator.controller';

/** The policy action of every gateway route, as PolicyGuard derives it from the route template. */
function actions(controller: new (...args: never[]) => unknown): Record<string, string> {
  const base = Reflect.getMetadata(PATH_METADATA, controller) as string;
  const proto = controller.prototype as Record<string, object>;
  const out: Record<string, string> = {};
  for (const name of Object.getOwnPropertyNames(proto)) {
    const handler = proto[name];
    const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
    const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
    if (path === undefined || method === undefined) {
      continue;
    }
    const verb = RequestMethod[method];
    const route = `/api/v1/${base}/${path}`.replace(/\/+$/, '');
    out[`${verb} ${route.slice('/api/v1'.length)}`] = deriveAction(verb, route);
  }
  return out;
}

describe('gateway policy actions: orchestrator.<resource>.<verb> and ciab.session.<verb>', () => {
  it('orchestrator routes', () => {
    expect({ ...actions(OrchestratorStatusController), ...actions(OrchestratorController) }).toEqual({
      'GET /orchestrator/status': 'orchestrator.status.read',
      'GET /orchestrator/agents': 'orchestrator.agent.list',
      'POST /orchestrator/agents': 'orchestrator.agent.create',
      'GET /orchestrator/agents/:id': 'orchestrator.agent.read',
      'PATCH /orchestrator/agents/:id': 'orchestrator.agent.update',
      'DELETE /orchestrator/agents/:id': 'orchestrator.agent.delete',
      'GET /orchestrator/workflows': 'orchestrator.workflow.list',
      'POST /orchestrator/workflows': 'orchestrator.workflow.create',
      'GET /orchestrator/workflows/:id': 'orchestrator.workflow.read',
      'PATCH /orchestrator/workflows/:id': 'orchestrator.workflow.update',
      'DELETE /orchestrator/workflows/:id': 'orchestrator.workflow.delete',
      'POST /orchestrator/workflows/:id/run': 'orchestrator.workflow.run',
      'GET /orchestrator/models': 'orchestrator.model.list',
      'POST /orchestrator/models': 'orchestrator.model.create',
      'GET /orchestrator/models/:id': 'orchestrator.model.read',
      'PATCH /orchestrator/models/:id': 'orchestrator.model.update',
      'DELETE /orchestrator/models/:id': 'orchestrator.model.delete',
      'GET /orchestrator/triggers': 'orchestrator.trigger.list',
      'POST /orchestrator/triggers': 'orchestrator.trigger.create',
      'GET /orchestrator/triggers/:id': 'orchestrator.trigger.read',
      'PATCH /orchestrator/triggers/:id': 'orchestrator.trigger.update',
      'DELETE /orchestrator/triggers/:id': 'orchestrator.trigger.delete',
      'GET /orchestrator/runs': 'orchestrator.run.list',
      'GET /orchestrator/runs/:id': 'orchestrator.run.read',
      'GET /orchestrator/runs/:id/logs': 'orchestrator.run.log.list',
      'POST /orchestrator/runs/:id/cancel': 'orchestrator.run.cancel',
    });
  });

  it('/ciab routes', () => {
    expect(actions(CiabRemoteController)).toEqual({
      'POST /ciab/sessions': 'ciab.session.create',
      'GET /ciab/sessions': 'ciab.session.list',
      'GET /ciab/sessions/:sid': 'ciab.session.read',
      'GET /ciab/sessions/:sid/output': 'ciab.session.output.read',
      'POST /ciab/sessions/:sid/input': 'ciab.session.input',
      'GET /ciab/sessions/:sid/files': 'ciab.session.file.list',
      'GET /ciab/sessions/:sid/files/content': 'ciab.session.file.content.read',
      'GET /ciab/sessions/:sid/ports': 'ciab.session.port.list',
      'POST /ciab/sessions/:sid/snapshot': 'ciab.session.snapshot',
      'DELETE /ciab/sessions/:sid': 'ciab.session.delete',
    });
  });
});
