/** `git log` output parsed into commits with their numstat. */
const RS = '\x1e';
const US = '\x1f';
export const LOG_FORMAT = `${RS}%H${US}%P${US}%an${US}%ae${US}%aI${US}%cn${US}%ce${US}%cI${US}%s`;

export interface ParsedCommit {
  sha: string;
  parents: string[];
  author: { name: string; email: string };
  authored_at: string;
  committer: { name: string; email: string };
  committed_at: string;
  subject: string;
  files: { path: string; additions: number | null; deletions: number | null }[];
}

/** numstat path: handles `a => b` and `dir/{a => b}/x` rename notation */
export function numstatPath(p: string): string {
  const brace = p.match(/^(.*)\{(.*) => (.*)\}(.*)$/);
  if (brace) {
    return `${brace[1]}${brace[3]}${brace[4]}`.replace(/\/\//g, '/');
  }
  const plain = p.match(/^(.*) => (.*)$/);
  return plain ? plain[2] : p;
}

export function parseLog(out: string): ParsedCommit[] {
  const commits: ParsedCommit[] = [];
  for (const rec of out.split(RS)) {
    if (!rec.trim()) {
      continue;
    }
    const [header, ...rest] = rec.split('\n');
    const f = header.split(US);
    if (f.length < 9) {
      continue;
    }
    const files = rest
      .filter((l) => l.trim())
      .map((l) => {
        const [a, d, ...p] = l.split('\t');
        return {
          path: numstatPath(p.join('\t')),
          additions: a === '-' ? null : Number(a),
          deletions: d === '-' ? null : Number(d),
        };
      });
    commits.push({
      sha: f[0],
      parents: f[1] ? f[1].split(' ') : [],
      author: { name: f[2], email: f[3] },
      authored_at: f[4],
      committer: { name: f[5], email: f[6] },
      committed_at: f[7],
      subject: f.slice(8).join(US),
      files,
    });
  }
  return commits;
}

export function summarize(c: ParsedCommit) {
  return {
    sha: c.sha,
    short_sha: c.sha.slice(0, 7),
    author: c.author.name,
    author_email: c.author.email,
    authored_at: c.authored_at,
    subject: c.subject,
    parents: c.parents,
    files_changed: c.files.length,
    additions: c.files.reduce((n, f) => n + (f.additions ?? 0), 0),
    deletions: c.files.reduce((n, f) => n + (f.deletions ?? 0), 0),
  };
}
