/**
 * The control-plane API's audit: one record per mutating call, allowed or refused.
 */
import { API_PREFIX } from '@shared/api';
import type { AuditOutcome, AuditRepository } from '../data';
import type { DispatchDeps, Route } from './api';

type AuditEntry = Parameters<NonNullable<DispatchDeps['audit']>>[0];

/** The outcome an HTTP status stands for. */
export function auditOutcome(status: number): AuditOutcome {
  if (status === 401 || status === 403) return 'denied';
  return status < 400 ? 'success' : 'failure';
}

/**
 * An audit function for `dispatch`: appends one record per mutating call, allowed or refused,
 * with the actor, an action name (from `actionNames`, keyed by `<METHOD> <pattern>`), the target
 * (the path below `/api/v1/`), the request id and the outcome.
 *
 * @example
 * ```ts
 * const audit = auditWriter(new AuditRepository(doc, table), WORKFLOW_AUDIT_ACTIONS);
 * await dispatch(router, request, { authenticate, authorize: requirePermission, audit });
 * ```
 */
export function auditWriter(repo: AuditRepository, actionNames: Readonly<Record<string, string>> = {}, clock: () => Date = () => new Date()): NonNullable<DispatchDeps['audit']> {
  const nameOf = (route: Route) => actionNames[`${route.method} ${route.pattern}`] ?? `${route.action}.${route.method.toLowerCase()}`;
  return async (entry: AuditEntry) => {
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
