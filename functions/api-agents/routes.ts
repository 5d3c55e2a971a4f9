/**
 * The agent routes of the control-plane REST API (`/api/v1/agents...`): list, register, get and
 * delete the tenant's agent definitions. Items are stored by `AgentRepository` at
 * `keys.agent(tenant, id)` with the attribute `definition`, which is what the agent runtime
 * (functions/run-agent/agent-store.ts) reads.
 */
import { API_PREFIX, pageQuerySchema, registerAgentRequestSchema } from '@shared/api';
import { agentIdSchema } from '@shared/agents';
import { NotFoundError } from '@shared/errors';
import type { AgentRepository } from '../_shared/data';
import { json, noContent, parseBody, parseQuery, type Route, type RouteContext } from '../_shared/http/api';

/** What the agent routes need. */
export interface AgentApiDeps {
  readonly agents: AgentRepository;
  /** @default () => new Date() */
  readonly clock?: () => Date;
}

function agentIdOf(ctx: RouteContext): string {
  const parsed = agentIdSchema.safeParse(ctx.params.id);
  // An id no agent can have is unknown like any other (404), not a malformed request.
  if (!parsed.success) throw new NotFoundError(`agent ${ctx.params.id ?? ''} does not exist (agent ids are 1-64 lowercase letters, digits, _ or -)`);
  return parsed.data;
}

/**
 * The agent routes.
 *
 * | route | action |
 * |---|---|
 * | `GET /api/v1/agents` | agent:read |
 * | `POST /api/v1/agents` | agent:write |
 * | `GET /api/v1/agents/{id}` | agent:read |
 * | `DELETE /api/v1/agents/{id}` | agent:write |
 *
 * @example
 * ```ts
 * const router = new Router(agentRoutes({ agents: new AgentRepository(doc, table) }));
 * ```
 */
export function agentRoutes(deps: AgentApiDeps): Route[] {
  const now = deps.clock ?? (() => new Date());
  const base = `${API_PREFIX}/agents`;
  return [
    {
      method: 'GET',
      pattern: base,
      action: 'agent:read',
      handler: async ({ request, identity }) => {
        const q = parseQuery(request, pageQuerySchema);
        return json(200, await deps.agents.list(identity.tenantId, { limit: q.limit, ...(q.cursor !== undefined ? { cursor: q.cursor } : {}) }));
      },
    },
    {
      method: 'POST',
      pattern: base,
      action: 'agent:write',
      handler: async ({ request, identity }) => {
        const definition = parseBody(request, registerAgentRequestSchema);
        const record = await deps.agents.register(identity.tenantId, definition, {}, now());
        return json(201, record, { location: `${base}/${encodeURIComponent(record.agentId)}` });
      },
    },
    {
      method: 'GET',
      pattern: `${base}/{id}`,
      action: 'agent:read',
      handler: async (ctx) => json(200, await deps.agents.get(ctx.identity.tenantId, agentIdOf(ctx))),
    },
    {
      method: 'DELETE',
      pattern: `${base}/{id}`,
      action: 'agent:write',
      handler: async (ctx) => {
        await deps.agents.delete(ctx.identity.tenantId, agentIdOf(ctx));
        return noContent();
      },
    },
  ];
}

/**
 * The audit action name of each mutating agent route.
 * @example
 * ```ts
 * AGENT_AUDIT_ACTIONS['POST /api/v1/agents'] // 'agent.register'
 * ```
 */
export const AGENT_AUDIT_ACTIONS: Readonly<Record<string, string>> = {
  [`POST ${API_PREFIX}/agents`]: 'agent.register',
  [`DELETE ${API_PREFIX}/agents/{id}`]: 'agent.delete',
};
