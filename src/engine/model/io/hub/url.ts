/**
 * Hub URLs and cache keys.
 *
 * Public API:
 *   parseHubUrl(url) → HubRef | null   — `<origin>/<owner>/<repo>/resolve/<revision>/` on any host
 *                                        (the Hub, a mirror, the e2e server), or a bare
 *                                        `https://huggingface.co/<owner>/<repo>` (revision main);
 *                                        null for anything else, also a folder below the
 *                                        revision (a model is cached from its repo root only)
 *   hubRepoOf(url) → 'owner/repo' | null — any URL on the Hub's own hosts, any depth (the name
 *                                        an exported adapter gives its base model)
 *   modelKey(repo, revision)           — `owner/repo@revision`: one cache entry per model
 *   fileKey(repo, revision, path)      — `owner/repo@revision/path`: one cached file
 * The key holds no host: the same repo and revision from a mirror is the same bytes.
 * Trap: `main` is a branch, not a commit — a cached `main` stays what was downloaded (the
 * server's X-Repo-Commit is recorded); delete it on the Storage screen to fetch the new one.
 * A revision with slashes (`refs/pr/1`) arrives URL-encoded in one segment and is decoded here.
 */

export interface HubRef {
  repo: string;
  revision: string;
  /** Base URL of the folder, ending in '/': base + path is a file's resolve URL. */
  base: string;
}

const HUB_HOSTS = new Set(['huggingface.co', 'hf.co', 'www.huggingface.co']);
const NOT_OWNERS = new Set(['datasets', 'spaces', 'api', 'docs', 'models']);

function urlOf(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** Path segments of a URL whose first two name a repo (owner/repo), else null. */
function repoSegments(u: URL): string[] | null {
  const seg = u.pathname.split('/').filter(Boolean);
  return seg[0] && seg[1] && !NOT_OWNERS.has(seg[0]) ? seg : null;
}

/** 'owner/repo' of any URL on the Hub's own hosts (…/owner/repo[/resolve/rev/…]), else null. */
export function hubRepoOf(url: string): string | null {
  const u = urlOf(url);
  const seg = u && HUB_HOSTS.has(u.hostname) ? repoSegments(u) : null;
  return seg ? `${seg[0]}/${seg[1]}` : null;
}

export function parseHubUrl(url: string): HubRef | null {
  const u = urlOf(url);
  if (!u || u.search || u.hash) return null;
  const seg = repoSegments(u);
  if (!seg) return null;
  const [owner, repo] = seg;
  let revision = 'main';
  let rawRev = 'main';
  if (seg[2] === 'resolve' && seg[3] && seg.length === 4) {
    rawRev = seg[3];
    revision = decodeURIComponent(rawRev);
  } else if (!(HUB_HOSTS.has(u.hostname) && seg.length === 2)) {
    return null;
  }
  return { repo: `${owner}/${repo}`, revision, base: `${u.origin}/${owner}/${repo}/resolve/${rawRev}/` };
}

export function modelKey(repo: string, revision: string): string {
  return `${repo}@${revision}`;
}

export function fileKey(repo: string, revision: string, path: string): string {
  return `${modelKey(repo, revision)}/${path}`;
}
