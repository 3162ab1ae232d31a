export { parseLogLine, type ParsedLogLine } from './log-line-parser.ts';
export { loadCatalogue, CatalogueError, SHIPPED_CATALOGUE, type Catalogue, type CatalogueEntry } from './catalogue.ts';
export { TemplateMiner, type LogTemplate } from './template-miner.ts';
export { analyzeReport, type OperatingReport, type ReportAnalysis, type Finding } from './report-analyzer.ts';
export { ReportStore, type StoredReport, type ReportSummary } from './report-store.ts';
export { ReportIntake, type ReportIntakeOptions } from './report-intake.ts';
