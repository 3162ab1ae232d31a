import type { EventEmitter } from 'node:events';
import type { TwinConfig } from '../core/config.ts';
import type { FailureEvent } from '../core/types.ts';
import type { IngestService } from '../ingest/index.ts';
import type { AnomalyHistory, InstanceRecord, InstanceRegistry, SeriesWindow, WriteAheadLog } from '../store/index.ts';
import type { ModelRegistry, TwinModel, TwinTrainer, VersionDecision } from '../twin/index.ts';
import type { AnomalyEvent, LiveScorer } from '../anomaly/index.ts';
import type { FailureAnalysis, FailureForecast, FailureRecorder, Incident } from '../analysis/index.ts';
import type { ReportIntake, StoredReport } from '../reports/index.ts';
import type { RemediationEngine } from '../remediation/index.ts';
import type { StreamHub } from './stream-hub.ts';

export interface SidecarEvents {
  trainingProgress: [{ instance: string; fraction: number; version: string }];
  trained: [{ instance: string; model: TwinModel; decision: VersionDecision }];
  drift: [{ instance: string; version: string; why: string }];
  trainingFailed: [{ instance: string; error: Error }];
  anomalyOpened: [AnomalyEvent];
  anomalyClosed: [AnomalyEvent];
  failureAlert: [FailureForecast];
  failureClear: [FailureForecast];
  failureRecorded: [FailureEvent];
  reportFlagged: [StoredReport];
  incident: [Incident];
}

/**
 * What the HTTP face may use of the sidecar: the stages' services, each narrowed to what the
 * routes call. Routes and the metrics endpoint depend on this, never on the composition root.
 */
export interface SidecarServices {
  readonly config: TwinConfig;
  /** This node's name, and whether it acts for the fleet (alone, or the leader of several). */
  readonly node: string;
  readonly leads: boolean;
  readonly events: Pick<EventEmitter<SidecarEvents>, 'on' | 'emit'>;
  readonly ingest: Pick<
    IngestService,
    'ingest' | 'ingestMany' | 'ingestLineProtocol' | 'ingestAgentFrame' | 'backlog' | 'stats'
  >;
  readonly wal: Pick<WriteAheadLog, 'bytes'>;
  readonly instances: Pick<InstanceRegistry, 'get' | 'list'>;
  readWindow(instance: string, from: number, to: number, stepMs?: number, metrics?: string[]): Promise<SeriesWindow>;
  readonly models: Pick<
    ModelRegistry,
    'champion' | 'loadedChampion' | 'get' | 'versions' | 'promote' | 'rollback' | 'nextVersion'
  >;
  readonly trainer: Pick<TwinTrainer, 'readyIn' | 'train'>;
  readonly scorer: Pick<LiveScorer, 'state' | 'nextValues' | 'forecast'>;
  readonly analysis: Pick<
    FailureAnalysis,
    'forecastsOf' | 'predictionsOf' | 'allPredictions' | 'incidentsOf' | 'predict' | 'whatIf' | 'recommendActions'
  >;
  readonly failures: Pick<FailureRecorder, 'record' | 'list'>;
  readonly anomalies: Pick<AnomalyHistory<AnomalyEvent>, 'query'>;
  readonly reports: Pick<ReportIntake, 'ingest'> & { store: Pick<ReportIntake['store'], 'get' | 'list' | 'latest'> };
  readonly remediation: Pick<RemediationEngine, 'config' | 'pendingDecisions' | 'settle' | 'audit'>;
  readonly stream: Pick<StreamHub, 'subscribe' | 'dropped'>;
}

export type { InstanceRecord };
