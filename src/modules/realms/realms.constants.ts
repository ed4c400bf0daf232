/** Realms every org has (realms.md §1); they cannot be created, changed or deleted. */
export const BUILTIN_REALMS: readonly { name: string; description: string }[] = [
  { name: 'infrastructure', description: 'Cloud, Kubernetes, CI/CD, observability' },
  { name: 'development', description: 'GitHub, Jenkins, code intelligence' },
  { name: 'crm', description: 'HubSpot, Google Workspace, Slack, Read.ai' },
  { name: 'design', description: 'Figma, Remotion' },
  { name: 'data', description: 'SQL, MongoDB, Power BI, CSV/JSON' },
  { name: 'default', description: 'Default target realm of continuous pipelines' },
];

export const BUILTIN_REALM_NAMES = new Set(BUILTIN_REALMS.map((r) => r.name));

export const REALM_NAME_PATTERN = /^[a-z][a-z0-9_-]{1,62}$/;
