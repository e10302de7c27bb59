/**
 * Folders and the organization: discovery of the projects under them (sub-folders followed)
 * and their IAM policies. One source per configured root (`gcp:folders/<id>`,
 * `gcp:organizations/<id>`); a root that fails (403) becomes a failed source and its
 * projects are not discovered, the other roots and the listed projects are still scanned.
 */
import type { cloudresourcemanager_v3 } from '@googleapis/cloudresourcemanager';
import type { GcpClients } from '../../providers/gcp/client.ts';
import { pageAll } from './calls.ts';
import type { CallRunner } from './calls.ts';
import type { BindingInput } from './records.ts';

export interface DiscoveredProject {
  projectId: string;
  projectNumber?: string;
}

export interface HierarchyPolicy {
  /** `folders/<id>` or `organizations/<id>` */
  resource: string;
  bindings: BindingInput[];
}

export interface RootResult {
  projects: DiscoveredProject[];
  policies: HierarchyPolicy[];
}

/** Sub-folders are followed to this depth (GCP allows 10 levels). */
const MAX_DEPTH = 10;

async function listProjects(clients: GcpClients, run: CallRunner, parent: string, pageSize: number): Promise<DiscoveredProject[]> {
  const out: DiscoveredProject[] = [];
  await pageAll(
    run,
    async (pageToken, options) => (await clients.crmV3.projects.list({ parent, pageSize, ...(pageToken ? { pageToken } : {}) }, options)).data,
    (page: cloudresourcemanager_v3.Schema$ListProjectsResponse) => {
      for (const p of page.projects ?? []) {
        if (!p.projectId || (p.state && p.state !== 'ACTIVE')) continue;
        const number = p.name?.startsWith('projects/') ? p.name.slice('projects/'.length) : undefined;
        out.push({ projectId: p.projectId, ...(number ? { projectNumber: number } : {}) });
      }
    },
  );
  return out;
}

async function listFolders(clients: GcpClients, run: CallRunner, parent: string, pageSize: number): Promise<string[]> {
  const out: string[] = [];
  await pageAll(
    run,
    async (pageToken, options) => (await clients.crmV3.folders.list({ parent, pageSize, ...(pageToken ? { pageToken } : {}) }, options)).data,
    (page: cloudresourcemanager_v3.Schema$ListFoldersResponse) => {
      for (const f of page.folders ?? []) if (f.name && (!f.state || f.state === 'ACTIVE')) out.push(f.name);
    },
  );
  return out;
}

async function policyOf(clients: GcpClients, run: CallRunner, resource: string): Promise<HierarchyPolicy> {
  const requestBody = { options: { requestedPolicyVersion: 3 } };
  const res = await run(
    (options) => (resource.startsWith('folders/') ? clients.crmV3.folders.getIamPolicy({ resource, requestBody }, options) : clients.crmV3.organizations.getIamPolicy({ resource, requestBody }, options)),
    { readOnlyPost: true },
  );
  return { resource, bindings: res.data.bindings ?? [] };
}

/** Projects under `root` (a folder or the organization, sub-folders followed) and the IAM policies of root and sub-folders. */
export async function readRoot(clients: GcpClients, run: CallRunner, root: string, pageSize: number): Promise<RootResult> {
  const projects: DiscoveredProject[] = [];
  const policies: HierarchyPolicy[] = [];
  let level = [root];
  for (let depth = 0; level.length > 0 && depth <= MAX_DEPTH; depth++) {
    const results = await Promise.all(
      level.map(async (parent) => {
        const [found, folders, policy] = await Promise.all([listProjects(clients, run, parent, pageSize), listFolders(clients, run, parent, pageSize), policyOf(clients, run, parent)]);
        return { found, folders, policy };
      }),
    );
    level = [];
    for (const r of results) {
      projects.push(...r.found);
      policies.push(r.policy);
      level.push(...r.folders);
    }
  }
  return { projects, policies };
}
