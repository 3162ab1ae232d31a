export {
  IngestService,
  type DurableLog,
  type SampleWriter,
  type InstanceTracker,
  type IngestStats,
  type IngestOptions,
} from './ingest-service.ts';
export { LiveFeed } from './live-feed.ts';
export { validateBatch, type IngestBatch } from './validate-batch.ts';
export { parseLineProtocol, parsePrecision, type LinePoint, type Precision } from './line-protocol-parser.ts';
export { columnarFromPoints, linesToColumnar } from './line-protocol-batches.ts';
export { LineProtocolWorkers, inThreadParser, type LineProtocolParser } from './line-protocol-workers.ts';
export { validateColumnar } from './validate-batch.ts';
export { decodeRemoteWrite } from './remote-write-decoder.ts';
