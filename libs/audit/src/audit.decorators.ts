import { ExecutionContext, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';

const AUDIT = 'wpp:audit';
type AuditMark = 'read' | 'export' | 'machine';

/**
 * A POST route that changes nothing (lists, reads, previews, statistics): no audit row.
 * Every other non-GET route is audited by default, so a new write cannot be forgotten.
 */
export const NotAudited = () => SetMetadata(AUDIT, 'read' satisfies AuditMark);

/** A route handing out data in bulk (a file, a CSV): audited although it changes nothing. */
export const AuditedExport = () => SetMetadata(AUDIT, 'export' satisfies AuditMark);

/**
 * A public machine endpoint proven by its signature (WeCom, Youzan): what it receives is
 * recorded by its own tables, at rates an audit row per call would drown the log in.
 */
export const MachineInput = () => SetMetadata(AUDIT, 'machine' satisfies AuditMark);

/** Whether a request to this route leaves an audit row (docs/SECURITY.md "Audit log"). */
export function isAudited(
  reflector: Reflector,
  context: Pick<ExecutionContext, 'getHandler' | 'getClass'>,
  method: string,
): boolean {
  const mark = reflector.getAllAndOverride<AuditMark | undefined>(AUDIT, [
    context.getHandler(),
    context.getClass(),
  ]);
  if (mark === 'export') return true;
  if (mark !== undefined) return false;
  return !['GET', 'HEAD', 'OPTIONS'].includes(method.toUpperCase());
}
