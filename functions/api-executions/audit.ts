/**
 * The audit of the execution routes: one record per mutating call, allowed or refused. (The
 * workflow routes carry the same writer; once both are committed it belongs in _shared/http.)
 */
import { API_PREFIX } from '@shared/api';
import type { AuditOutcome, AuditRepository } from '../_shared/data';
import type { DispatchDeps, Route } from '../_shared/http/api';

/** The outcome an HTTP status stands for. */
export function auditOutcome(status: number): AuditOutcome {
  if (status === 401 || status === 403) return 'denied';
  return status < 400 ? 'success' : 'failure';
}

/**
 * An audit function for `dispatch`: the actor, an action name (from `actionNames`, keyed by
 * `<METHOD> <pattern>`), the target (the path below `/api/v1/`), the request id and the outcome.
 *
 * @example
 * ```ts
 * const audit = executionAuditWriter(new AuditRepository(doc, table), EXECUTION_AUDIT_ACTIONS);
 * await dispatch(router, request, { authenticate, authorize: requirePermission, audit });
 * ```
 */
export function executionAuditWriter(repo: AuditRepository, actionNames: Readonly<Record<string, string>>, clock: () => Date = () => new Date()): NonNullable<DispatchDeps['audit']> {
  const nameOf = (route: Route) => actionNames[`${route.method} ${route.pattern}`] ?? `${route.action}.${route.method.toLowerCase()}`;
  return async (entry) => {
    const path = entry.request.path.startsWith(`${API_PREFIX}/`) ? entry.request.path.slice(API_PREFIX.length + 1) : entry.request.path;
    await repo.append({
      tenantId: entry.identity.tenantId,
      actor: entry.identity.userId,
      action: nameOf(entry.route),
      target: path.replace(/\/+$/, ''),
      requestId: entry.request.requestId,
      outcome: auditOutcome(entry.status),
      detail: `HTTP ${entry.status}`,
      at: clock(),
    });
  };
}
