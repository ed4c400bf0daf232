import type { LlmToolDefinition } from '@libs/llm/llm.port';

export const LIST_CONNECTORS = 'list_connectors';
export const SEARCH_TOOLS = 'search_connector_tools';
export const EXECUTE_TOOL = 'execute_connector_tool';
export const REQUEST_ACCESS = 'request_connector_access';
/** the spec's `rag.search` (tool names may not contain dots for OpenAI/Anthropic) */
export const RAG_SEARCH = 'rag_search';
export const SEARCH_SKILLS = 'search_skills';
export const ENABLE_SKILL = 'enable_skill';
export const LIST_ENABLED_SKILLS = 'list_enabled_skills';
export const DISABLE_SKILL = 'disable_skill';

/** The only tools the model is ever offered; real connector tools are found and run through them. */
export const META_TOOLS: LlmToolDefinition[] = [
  {
    name: LIST_CONNECTORS,
    description: 'List the connectors (data sources with tools) enabled for this organization.',
    inputSchema: { type: 'object', properties: {}, additionalProperties: false },
  },
  {
    name: SEARCH_TOOLS,
    description:
      'Search the connector tool catalog. Returns the best matching tools with their qualified names and input schemas.',
    inputSchema: {
      type: 'object',
      properties: {
        query: { type: 'string', description: 'What you want to do, in a few words' },
        top_k: { type: 'integer', minimum: 1, maximum: 20, description: 'How many tools to return (default 5)' },
      },
      required: ['query'],
    },
  },
  {
    name: EXECUTE_TOOL,
    description:
      'Run one connector tool found with search_connector_tools. Write and destructive tools may wait for a human approval.',
    inputSchema: {
      type: 'object',
      properties: {
        tool: {
          type: 'string',
          description: 'Qualified tool name (e.g. `kubernetes.list_pods`) as returned by search_connector_tools',
        },
        arguments: { type: 'object', description: "Arguments matching the tool's input schema" },
        connector: {
          type: 'string',
          description:
            'Connector type or source name, when `tool` is a bare tool name (e.g. `kubernetes` + `list_pods`)',
        },
        source_id: {
          type: 'string',
          description: 'Only when several sources offer the tool: the source_id (from list_connectors) to run it on',
        },
      },
      required: ['tool'],
    },
  },
  {
    name: REQUEST_ACCESS,
    description: 'Ask an administrator to enable or grant access to a connector that is not available.',
    inputSchema: {
      type: 'object',
      properties: { connector: { type: 'string' }, reason: { type: 'string' } },
      required: ['connector'],
    },
  },
  // /rag (docs/rag.md): the org's indexed documents; answers cite them
  {
    name: RAG_SEARCH,
    description:
      "Search the organization's indexed documents (runbooks, policies, notes uploaded to /rag). Returns passages with document_id, title, chunk and snippet; cite them as [title, chunk].",
    inputSchema: {
      type: 'object',
      properties: {
        query: { type: 'string', description: 'What you are looking for, in a few words or a question' },
        top_k: { type: 'integer', minimum: 1, maximum: 20, description: 'How many passages to return (default 5)' },
      },
      required: ['query'],
    },
  },
  // skills (docs/skills.md): approved markdown skills appended to the system prompt within a budget
  {
    name: SEARCH_SKILLS,
    description:
      "Search the organization's approved skills (markdown runbooks and domain knowledge). Returns slug, name, description and size.",
    inputSchema: {
      type: 'object',
      properties: {
        query: { type: 'string', description: 'What the skill is about, in a few words' },
        top_k: { type: 'integer', minimum: 1, maximum: 20, description: 'How many skills to return (default 5)' },
      },
      required: ['query'],
    },
  },
  {
    name: ENABLE_SKILL,
    description:
      'Enable a skill found with search_skills for this conversation: its text is added to your instructions from the next step on.',
    inputSchema: { type: 'object', properties: { slug: { type: 'string' } }, required: ['slug'] },
  },
  {
    name: LIST_ENABLED_SKILLS,
    description: 'List the skills enabled in this conversation and the character budget they use.',
    inputSchema: { type: 'object', properties: {}, additionalProperties: false },
  },
  {
    name: DISABLE_SKILL,
    description: 'Remove an enabled skill from your instructions.',
    inputSchema: { type: 'object', properties: { slug: { type: 'string' } }, required: ['slug'] },
  },
];

export const META_TOOL_NAMES = new Set(META_TOOLS.map((t) => t.name));

export const DEFAULT_SYSTEM_PROMPT =
  'You are Agentcy, an assistant for the systems connected to this organization. You do not see connector tools directly: ' +
  'use search_connector_tools to find a tool, then execute_connector_tool with its qualified name and arguments. ' +
  'If a tool call is denied or its approval expires, explain it to the user and do not retry the same call.';
