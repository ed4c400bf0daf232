/** Kubernetes objects as the tools return them (and the ingest stores them). */
export interface PodSummary {
  name: string;
  namespace: string;
  phase: string;
  status: string;
  ready: string;
  ready_containers: number;
  total_containers: number;
  restarts: number;
  node: string | null;
  ip: string | null;
  created_at: string | null;
  labels: Record<string, string>;
}

export function summarizePod(p: any): PodSummary {
  const statuses: any[] = p.status?.containerStatuses ?? [];
  const total = (p.spec?.containers ?? []).length || statuses.length;
  const readyCount = statuses.filter((s) => s.ready).length;
  const waiting = statuses.map((s) => s.state?.waiting?.reason || s.state?.terminated?.reason).find(Boolean);
  const phase = p.status?.phase ?? 'Unknown';
  return {
    name: p.metadata?.name,
    namespace: p.metadata?.namespace,
    phase,
    status: p.metadata?.deletionTimestamp ? 'Terminating' : (waiting ?? p.status?.reason ?? phase),
    ready: `${readyCount}/${total}`,
    ready_containers: readyCount,
    total_containers: total,
    restarts: statuses.reduce((n, s) => n + (s.restartCount ?? 0), 0),
    node: p.spec?.nodeName ?? null,
    ip: p.status?.podIP ?? null,
    created_at: p.metadata?.creationTimestamp ?? null,
    labels: p.metadata?.labels ?? {},
  };
}

export function summarizeDeployment(d: any) {
  return {
    name: d.metadata?.name,
    namespace: d.metadata?.namespace,
    replicas: d.spec?.replicas ?? 0,
    ready_replicas: d.status?.readyReplicas ?? 0,
    updated_replicas: d.status?.updatedReplicas ?? 0,
    available_replicas: d.status?.availableReplicas ?? 0,
    ready: `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}`,
    images: (d.spec?.template?.spec?.containers ?? []).map((c: any) => c.image),
    selector: d.spec?.selector?.matchLabels ?? {},
    created_at: d.metadata?.creationTimestamp ?? null,
  };
}

export function summarizeNode(n: any) {
  const ready = (n.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
  const roles = Object.keys(n.metadata?.labels ?? {})
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length));
  return {
    name: n.metadata?.name,
    ready: ready?.status === 'True',
    roles,
    kubelet_version: n.status?.nodeInfo?.kubeletVersion ?? null,
    os_image: n.status?.nodeInfo?.osImage ?? null,
    internal_ip: (n.status?.addresses ?? []).find((a: any) => a.type === 'InternalIP')?.address ?? null,
    unschedulable: n.spec?.unschedulable === true,
  };
}

export function summarizeService(s: any) {
  return {
    name: s.metadata?.name,
    namespace: s.metadata?.namespace,
    type: s.spec?.type ?? 'ClusterIP',
    cluster_ip: s.spec?.clusterIP ?? null,
    ports: (s.spec?.ports ?? []).map((p: any) => ({
      name: p.name ?? null,
      port: p.port,
      target_port: p.targetPort ?? null,
      protocol: p.protocol ?? 'TCP',
    })),
    selector: s.spec?.selector ?? {},
  };
}
