/** GitHub API objects as the tools return them (and the ingest reads them). */
export function mapRepo(r: any) {
  return {
    full_name: r.full_name,
    name: r.name,
    owner: r.owner?.login ?? null,
    private: r.private === true,
    description: r.description ?? null,
    default_branch: r.default_branch ?? null,
    language: r.language ?? null,
    stars: r.stargazers_count ?? 0,
    forks: r.forks_count ?? 0,
    open_issues: r.open_issues_count ?? 0,
    archived: r.archived === true,
    url: r.html_url ?? null,
    updated_at: r.updated_at ?? null,
  };
}

export function mapIssue(i: any) {
  return {
    number: i.number,
    title: i.title,
    state: i.state,
    state_reason: i.state_reason ?? null,
    author: i.user?.login ?? null,
    assignees: (i.assignees ?? []).map((a: any) => a.login),
    labels: (i.labels ?? []).map((l: any) => (typeof l === 'string' ? l : l.name)),
    comments: i.comments ?? 0,
    is_pull_request: !!i.pull_request,
    url: i.html_url ?? null,
    created_at: i.created_at ?? null,
    updated_at: i.updated_at ?? null,
    closed_at: i.closed_at ?? null,
  };
}

export function mapPull(p: any) {
  return {
    number: p.number,
    title: p.title,
    state: p.state,
    draft: p.draft === true,
    merged: !!p.merged_at,
    author: p.user?.login ?? null,
    head: p.head?.ref ?? null,
    base: p.base?.ref ?? null,
    labels: (p.labels ?? []).map((l: any) => l.name),
    url: p.html_url ?? null,
    created_at: p.created_at ?? null,
    updated_at: p.updated_at ?? null,
    merged_at: p.merged_at ?? null,
  };
}
