/** What a training job is asked with and answers, whoever runs it (this process, a thread or a BullMQ worker). */

export interface InstanceHistory {
  id: string;
  firstSeen: number;
  lastSeen: number;
  /** Samples received so far (their mean interval bounds the training step from below). */
  samples?: number;
  /** When the anomaly open on the instance began, if one is (carried to training workers). */
  anomalyOpenSince?: number;
}

export interface TrainRequest {
  instance: string;
  now: number;
  history: Omit<InstanceHistory, 'id'>;
  /** The round this job belongs to (`after-<the newest version>`): one job per instance and round, whoever asks. */
  round: string;
}

export interface TrainOutcome {
  version: string;
  status: string;
  /** The worker that finished the job, and the one that trained the version (another, when a retry found it published). */
  worker?: string;
  trainedBy?: string;
}
