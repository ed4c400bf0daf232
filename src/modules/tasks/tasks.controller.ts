import { Authenticated, CurrentPrincipal } from '@libs/auth/auth.decorators';
import type { Principal } from '@libs/auth/principal';
import { isPrefixedId } from '@libs/database/ids';
import { NotFoundException } from '@libs/errors';
import { Delete, Patch, Post } from '@libs/http';
import { ApiPageResponse, PageQuery, type Page } from '@libs/pagination';
import { Body, Controller, Get, HttpCode, Param, PipeTransform, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import {
  CreateTaskDto,
  ListTasksQuery,
  RunTaskDto,
  TaskDto,
  TaskRunAcceptedDto,
  TaskRunDetailDto,
  TaskRunDto,
  UpdateTaskDto,
} from './dto/task.dto';
import { TaskRunsService } from './task-runs.service';
import { TasksService } from './tasks.service';

/** A malformed id is a 404 like an unknown one (never reaches a query). */
class PrefixedIdPipe implements PipeTransform<string, string> {
  constructor(
    private readonly prefix: string,
    private readonly what: string,
  ) {}

  transform(value: string): string {
    if (!isPrefixedId(this.prefix, value)) {
      throw new NotFoundException(this.what);
    }
    return value;
  }
}

const taskId = new PrefixedIdPipe('task', 'Task');
const runId = new PrefixedIdPipe('run', 'Task run');

/**
 * `/tasks` (docs/tasks.md): members read and run (and cancel runs), admins and owners create,
 * change, pause/resume, rotate secrets and delete (as `/sources`).
 */
@ApiTags('tasks')
@Controller('tasks')
export class TasksController {
  constructor(
    private readonly tasks: TasksService,
    private readonly runs: TaskRunsService,
  ) {}

  @Post()
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({
    operationId: 'tasks_create',
    summary: 'Create a task (a webhook trigger returns its URL and secret, shown only here)',
  })
  @ApiCreatedResponse({ type: TaskDto })
  create(@CurrentPrincipal() p: Principal, @Body() dto: CreateTaskDto): Promise<TaskDto> {
    return this.tasks.create(p, dto);
  }

  @Get()
  @Authenticated()
  @ApiOperation({
    operationId: 'tasks_list',
    summary: "List the org's tasks (filters enabled, trigger_kind, agent, realm)",
  })
  @ApiPageResponse(TaskDto)
  list(@CurrentPrincipal() p: Principal, @Query() q: ListTasksQuery): Promise<Page<TaskDto>> {
    return this.tasks.list(p, q);
  }

  @Get(':id')
  @Authenticated()
  @ApiOperation({ operationId: 'tasks_get', summary: 'One task (webhook secret masked)' })
  @ApiOkResponse({ type: TaskDto })
  get(@CurrentPrincipal() p: Principal, @Param('id', taskId) id: string): Promise<TaskDto> {
    return this.tasks.get(p, id);
  }

  @Patch(':id')
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({
    operationId: 'tasks_update',
    summary: 'Update a task (changing the trigger away from webhook drops the secret)',
  })
  @ApiOkResponse({ type: TaskDto })
  update(
    @CurrentPrincipal() p: Principal,
    @Param('id', taskId) id: string,
    @Body() dto: UpdateTaskDto,
  ): Promise<TaskDto> {
    return this.tasks.update(p, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({ operationId: 'tasks_delete', summary: 'Delete a task; its pending and running runs are cancelled' })
  @ApiNoContentResponse({ description: 'Deleted' })
  async remove(@CurrentPrincipal() p: Principal, @Param('id', taskId) id: string): Promise<void> {
    await this.tasks.remove(p, id);
  }

  @Post(':id/pause')
  @HttpCode(200)
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({ operationId: 'tasks_pause', summary: 'Pause a task (enabled: false; its schedule stops)' })
  @ApiOkResponse({ type: TaskDto })
  pause(@CurrentPrincipal() p: Principal, @Param('id', taskId) id: string): Promise<TaskDto> {
    return this.tasks.setEnabled(p, id, false);
  }

  @Post(':id/resume')
  @HttpCode(200)
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({ operationId: 'tasks_resume', summary: 'Resume a paused task' })
  @ApiOkResponse({ type: TaskDto })
  resume(@CurrentPrincipal() p: Principal, @Param('id', taskId) id: string): Promise<TaskDto> {
    return this.tasks.setEnabled(p, id, true);
  }

  @Post(':id/trigger/rotate-secret')
  @HttpCode(200)
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({
    operationId: 'tasks_rotate_secret',
    summary: 'New webhook secret (returned once); the old one stops working at once',
  })
  @ApiOkResponse({ type: TaskDto })
  rotate(@CurrentPrincipal() p: Principal, @Param('id', taskId) id: string): Promise<TaskDto> {
    return this.tasks.rotateSecret(p, id);
  }

  @Post(':id/run')
  @HttpCode(202)
  @Authenticated({ minRole: 'member' })
  @ApiOperation({
    operationId: 'tasks_run',
    summary: 'Run the task now (409 run_in_progress unless force; 409 task_disabled when paused)',
  })
  @ApiAcceptedResponse({ type: TaskRunAcceptedDto })
  run(
    @CurrentPrincipal() p: Principal,
    @Param('id', taskId) id: string,
    @Body() dto: RunTaskDto,
  ): Promise<TaskRunAcceptedDto> {
    return this.runs.runManually(p, id, dto);
  }

  @Get(':id/runs')
  @Authenticated()
  @ApiOperation({ operationId: 'tasks_runs_list', summary: 'Run history, newest first' })
  @ApiPageResponse(TaskRunDto)
  listRuns(
    @CurrentPrincipal() p: Principal,
    @Param('id', taskId) id: string,
    @Query() q: PageQuery,
  ): Promise<Page<TaskRunDto>> {
    return this.runs.list(p, id, q);
  }

  @Get(':id/runs/:run_id')
  @Authenticated()
  @ApiOperation({ operationId: 'tasks_runs_get', summary: 'One run with its transcript (messages and tool calls)' })
  @ApiOkResponse({ type: TaskRunDetailDto })
  getRun(
    @CurrentPrincipal() p: Principal,
    @Param('id', taskId) id: string,
    @Param('run_id', runId) run: string,
  ): Promise<TaskRunDetailDto> {
    return this.runs.get(p, id, run);
  }

  @Post(':id/runs/:run_id/cancel')
  @HttpCode(202)
  @Authenticated({ minRole: 'member' })
  @ApiOperation({
    operationId: 'tasks_runs_cancel',
    summary: 'Cancel a run (pending: at once; running: its turn stops within about a second); 409 when it ended',
  })
  @ApiAcceptedResponse({ type: TaskRunDto })
  cancel(
    @CurrentPrincipal() p: Principal,
    @Param('id', taskId) id: string,
    @Param('run_id', runId) run: string,
  ): Promise<TaskRunDto> {
    return this.runs.cancel(p, id, run);
  }
}
