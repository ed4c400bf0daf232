import { ConnectorContext, ConnectorDefinition, ConnectorToolSpec, ToolExecutionError } from './connector';

type Args = Record<string, unknown>;

/** One row of a connector's tool table: the spec the model sees plus the function running it. */
export interface ConnectorTool<C = Record<string, unknown>> extends ConnectorToolSpec {
  /** `args` is never null; read it with the helpers of tool-args.ts (`invalid_arguments` on a bad value). */
  run(ctx: ConnectorContext<C>, args: Args): Promise<unknown>;
}

/** A fixed tool table, or a function listing the tools a source offers now (openapi, mcp). */
export type ConnectorTools<C> =
  readonly ConnectorTool<C>[] | ((ctx: ConnectorContext<C>) => Promise<ConnectorTool<C>[]>);

export interface ConnectorSpec<C> extends Omit<ConnectorDefinition<C>, 'tools' | 'executeTool'> {
  tools: ConnectorTools<C>;
  /** Runs before the tool is looked up, e.g. the config shape check; its failure goes through `toolError`. */
  beforeTool?(ctx: ConnectorContext<C>): void | Promise<void>;
  /** Maps any failure of a call (lookup included) to what the model sees; default: rethrown as is. */
  toolError?(e: unknown, ctx: ConnectorContext<C>): unknown;
  /** The error for a name that is not in the table; default: `tool_not_found` "<type> has no tool "<name>"". */
  unknownTool?(tool: string): ToolExecutionError;
  /**
   * Replaces the lookup by `name` when a source needs more (mcp: raw server names, one fresh listing
   * on a miss); it throws its own error for an unknown tool.
   */
  findTool?(ctx: ConnectorContext<C>, name: string): Promise<ConnectorTool<C>>;
}

/** The spec of a tool without its `run`, copied so callers cannot change the table. */
function specOf<C>({ run: _run, ...spec }: ConnectorTool<C>): ConnectorToolSpec {
  return { ...spec };
}

/**
 * Builds a ConnectorDefinition from a tool table: `tools()` lists the table's specs and
 * `executeTool()` runs `beforeTool`, finds the tool by name (unknown → ToolExecutionError
 * `tool_not_found`) and runs it with `args ?? {}`, passing every failure through `toolError`.
 */
export function defineConnector<C>(spec: ConnectorSpec<C>): ConnectorDefinition<C> {
  const { tools: table, beforeTool, toolError, unknownTool, findTool, ...definition } = spec;
  const list = (ctx: ConnectorContext<C>): Promise<readonly ConnectorTool<C>[]> =>
    typeof table === 'function' ? table(ctx) : Promise.resolve(table);
  const notFound =
    unknownTool ??
    ((tool: string) => new ToolExecutionError('tool_not_found', `${spec.type} has no tool "${tool}"`, { tool }));
  const find =
    findTool ??
    (async (ctx: ConnectorContext<C>, name: string) => {
      const tool = (await list(ctx)).find((t) => t.name === name);
      if (!tool) {
        throw notFound(name);
      }
      return tool;
    });
  return {
    ...definition,
    async tools(ctx) {
      return (await list(ctx)).map(specOf);
    },
    async executeTool(ctx, name, args) {
      try {
        await beforeTool?.(ctx);
        const tool = await find(ctx, name);
        return await tool.run(ctx, args ?? {});
      } catch (e) {
        throw toolError ? toolError(e, ctx) : e;
      }
    },
  };
}
