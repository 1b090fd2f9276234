import type { AuditReport } from '../core/audit.js';
import { auditCsvChunks } from './audit-csv.js';
import { auditHtmlChunks } from './audit-html.js';
import { auditJsonChunks } from './audit-json.js';
import { auditMarkdownChunks } from './audit-markdown.js';
import { auditSarifChunks } from './audit-sarif.js';
import { auditTextChunks } from './audit-text.js';
import type { Paint } from './paint.js';

/** What a format may need besides the report: the terminal's colours (text), keyplan's version (SARIF). */
export interface AuditRenderContext {
  paint: Paint;
  toolVersion: string;
}

/** Every audit output format has this one signature: the report in, chunks of the output to write out. */
export type AuditRenderer = (report: AuditReport, context: AuditRenderContext) => Iterable<string>;

const FORMATS = {
  text: (report, { paint }) => auditTextChunks(report, { paint }),
  markdown: (report) => auditMarkdownChunks(report),
  json: (report) => auditJsonChunks(report),
  sarif: (report, { toolVersion }) => auditSarifChunks(report, { toolVersion }),
  csv: (report) => auditCsvChunks(report),
  html: (report) => auditHtmlChunks(report),
} satisfies Record<string, AuditRenderer>;

export type AuditFormat = keyof typeof FORMATS;

/** The one table `audit --format` picks from; its keys are the choices the option offers. */
export const AUDIT_FORMATS: Readonly<Record<AuditFormat, AuditRenderer>> = FORMATS;
