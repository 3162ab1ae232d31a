export { parseLogLine, type ParsedLogLine } from './log-line-parser.ts';
