export { IngestService, type SampleWriter, type InstanceTracker, type IngestStats } from './ingest-service.ts';
export { LiveFeed } from './live-feed.ts';
export { validateBatch, type IngestBatch } from './validate-batch.ts';
