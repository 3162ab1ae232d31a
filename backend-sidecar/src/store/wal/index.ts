export { WriteAheadLog, type WalRecord, type WalOptions } from './write-ahead-log.ts';
