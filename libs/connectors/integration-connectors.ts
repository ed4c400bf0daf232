import type { ConnectorDefinition } from './connector';
import { gitConnector } from './git/git.connector';
import { githubConnector } from './github/github.connector';
import { kubernetesConnector } from './kubernetes/kubernetes.connector';
import { mcpConnector } from './mcp/mcp.connector';
import { openapiConnector } from './openapi/openapi.connector';

/** git, openapi, mcp, github, kubernetes (owned by the integrations area). */
export const INTEGRATION_CONNECTORS: ConnectorDefinition<any>[] = [kubernetesConnector, githubConnector, mcpConnector, openapiConnector, gitConnector];
