/**
 * The starter bundles of policies.md §4, in Cedar (mapping: docs/decisions/0008). Seeded once per
 * org (the first time the org's policies are read with the feature on); `builtin`: they can be
 * edited and disabled, not deleted.
 */
export interface StarterPolicy {
  name: string;
  description: string;
  source: string;
}

export const STARTER_POLICIES: readonly StarterPolicy[] = [
  {
    name: 'agentcy',
    description: 'Baseline: refuse requests without a known user or without a request id (starter agentcy.rego).',
    source: `@id("unknown_user")
@message("the caller is not a known user")
forbid (principal, action, resource)
when { resource has method && principal.user_id == "" };

@id("missing_request_id")
@message("the request carries no request id")
forbid (principal, action, resource)
when { resource has method && !(context has request_id) };
`,
  },
  {
    name: 'connectors',
    description:
      'Write and destructive tools need an approval unless the caller is an admin or owner (starter connectors.rego).',
    source: `@id("write_needs_approval")
@approval("required")
@message("{resource.tool} is a {resource.tool_effect} tool: {principal.role} needs an approval")
forbid (principal, action == Agentcy::Action::"chat.tool.execute", resource)
when {
  resource has tool_effect &&
  ["write", "destructive"].contains(resource.tool_effect) &&
  !["admin", "owner"].contains(principal.role)
}
unless { context.approval_granted };
`,
  },
  {
    name: 'tools',
    description: 'Viewers may not run the dangerous tools named here (starter tools.rego).',
    source: `@id("viewer_dangerous_tools")
@message("{resource.tool} may not be run by {principal.role}s")
forbid (principal, action == Agentcy::Action::"chat.tool.execute", resource)
when {
  principal.role == "viewer" &&
  resource has tool &&
  [
    "kubernetes.delete_pod",
    "kubernetes.scale_deployment",
    "kubernetes.restart_deployment",
    "github.merge_pull_request"
  ].contains(resource.tool)
};
`,
  },
  {
    name: 'api',
    description:
      'Admin routes need an admin; DELETE on /sources only Mon-Fri 09:00-18:00 in the org time zone (starter api.rego).',
    source: `@id("admin_routes")
@message("{action} needs an admin")
forbid (principal, action, resource)
when {
  resource has path && resource has method &&
  (resource.path like "/api-keys*" || (resource.path like "/settings*" && resource.method != "GET")) &&
  !["admin", "owner"].contains(principal.role)
};

@id("source_delete_business_hours")
@message("sources can only be deleted Monday to Friday, 09:00-18:00 in the org time zone")
forbid (principal, action == Agentcy::Action::"source.delete", resource)
when { context.weekday == 0 || context.weekday == 6 || context.hour < 9 || context.hour >= 18 };
`,
  },
];
