import type { ConnectorDefinition } from './connector';
import { gitConnector } from './git/git.connector';
import { githubConnector } from './github/github.connector';
import { kubernetesConnector } from './kubernetes/kubernetes.connector';
import { mcpConnector } from './mcp/mcp.connector';
import { openapiConnector } from './openapi/openapi.connector';

/** `github_pat` is the documented source type of `{ token, org }` configs: the github connector under that name. */
export const githubPatConnector: ConnectorDefinition<any> = {
  ...githubConnector,
  type: 'github_pat',
  displayName: 'GitHub (personal access token)',
};

/** git, openapi, mcp, github, kubernetes (owned by the integrations area). */
export const INTEGRATION_CONNECTORS: ConnectorDefinition<any>[] = [
  kubernetesConnector,
  githubConnector,
  githubPatConnector,
  mcpConnector,
  openapiConnector,
  gitConnector,
];
