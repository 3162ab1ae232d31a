import { EventEmitter } from 'node:events';
import type { ObjectStore } from '../store/index.ts';
import type { LoadedTwin, TwinModel } from './twin.ts';
import { checksumOf, weightsFromArtifacts, type NetworkArtifacts } from './lstm/artifacts.ts';
import { instanceKey, instanceOfKey } from '../core/instance-id.ts';

/** What became of a trained version. */
export interface VersionDecision {
  status: 'champion' | 'challenger' | 'rejected';
  reason: string;
  /** Why the version was trained: the first twin, the schedule, drift (with what was seen), or an operator. */
  trigger?: string;
  /** Validation errors of this version and of the champion it was measured against, on the same recent data. */
  candidateError?: number;
  championError?: number;
  decidedAt: number;
  /** The training job that made it (with BullMQ) and the worker that ran it. */
  job?: string;
  trainedBy?: string;
}

export interface ModelVersionInfo {
  instance: string;
  version: string;
  kind: TwinModel['kind'];
  parent?: string | undefined;
  createdAt: number;
  validationError: number;
  trainingMs: number;
  champion: boolean;
  decision: VersionDecision;
}

/** The champion pointer, with the champions before it (what a rollback returns to). */
interface ChampionPointer {
  version: string;
  since: number;
  reason: string;
  history: { version: string; since: number; reason: string }[];
}

const TFJS_FORMAT = 'layers-model';

/**
 * Versioned twins in the object store, one folder a version: `models/<instance>/<version>/`
 * holding `metadata.json` (feature spec, scaling, thresholds, training window and figures, backend,
 * checksum, parent, and the decision taken on it) and, for networks, tfjs's own `model.json` and
 * `weights.bin`. `models/<instance>/champion.json` names the version in use; champions are kept
 * loaded in memory, so a promotion or a rollback takes effect at the next prediction.
 */
export class ModelRegistry extends EventEmitter<{ champion: [instance: string, reason: string] }> {
  private readonly champions = new Map<string, LoadedTwin>();

  constructor(private readonly objects: ObjectStore) {
    super();
  }

  /** Loads every instance's champion (at start-up, so that a restart continues from stored state). */
  async loadChampions(): Promise<number> {
    const pointers = (await this.objects.list('models/')).filter((k) => k.endsWith('/champion.json'));
    for (const key of pointers) {
      const instance = instanceOfKey(key.split('/')[1]!);
      const pointer = await this.pointer(instance);
      if (pointer) await this.activate(instance, pointer.version);
    }
    return this.champions.size;
  }

  /** Reloads an instance's champion from the object store (another node may have changed it). */
  async refresh(instance: string): Promise<void> {
    const pointer = await this.pointer(instance);
    if (pointer && pointer.version !== this.champions.get(instance)?.model.version)
      await this.activate(instance, pointer.version);
  }

  /**
   * Uses a loaded twin as an instance's champion without storing a version: the fleet benchmark
   * gives thousands of instances copies of one trained twin (training them is its backlog figure).
   */
  adopt(instance: string, loaded: LoadedTwin): void {
    this.champions.set(instance, loaded);
  }

  champion(instance: string): TwinModel | undefined {
    return this.champions.get(instance)?.model;
  }

  /** The champion with its weights, ready to run. */
  loadedChampion(instance: string): LoadedTwin | undefined {
    return this.champions.get(instance);
  }

  async nextVersion(instance: string): Promise<string> {
    const last = await this.latestVersion(instance);
    return `v${String((last ? Number(last.slice(1)) || 0 : 0) + 1).padStart(4, '0')}`;
  }

  /** The newest version stored for an instance (champion or not), from the object store. */
  async latestVersion(instance: string): Promise<string | undefined> {
    const versions = await this.versionNames(instance);
    const last = versions.reduce((max, v) => Math.max(max, Number(v.slice(1)) || 0), 0);
    return last ? `v${String(last).padStart(4, '0')}` : undefined;
  }

  /** The version a training job published, if it got that far (a retried job must not train twice). */
  async publishedBy(instance: string, job: string): Promise<(TwinModel & { decision?: VersionDecision }) | undefined> {
    const versions = await this.versionNames(instance);
    for (const version of versions.slice(-3).reverse()) {
      const model = await this.get(instance, version);
      if (model?.decision?.job === job) return model;
    }
    return undefined;
  }

  async get(instance: string, version: string): Promise<(TwinModel & { decision?: VersionDecision }) | undefined> {
    const body = await this.objects.get(`models/${instanceKey(instance)}/${version}/metadata.json`);
    return body ? (JSON.parse(body.toString()) as TwinModel & { decision?: VersionDecision }) : undefined;
  }

  /** A network version's tfjs artifacts (model.json + weights.bin), its checksum verified. */
  async artifacts(instance: string, version: string): Promise<NetworkArtifacts | undefined> {
    const json = await this.objects.get(`models/${instanceKey(instance)}/${version}/model.json`);
    const weights = await this.objects.get(`models/${instanceKey(instance)}/${version}/weights.bin`);
    if (!json || !weights) return undefined;
    const parsed = JSON.parse(json.toString()) as {
      modelTopology: object;
      weightsManifest: { weights: NetworkArtifacts['weightSpecs'] }[];
    };
    const weightData = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.length) as ArrayBuffer;
    return { modelTopology: parsed.modelTopology, weightSpecs: parsed.weightsManifest[0]!.weights, weightData };
  }

  async versions(instance: string): Promise<ModelVersionInfo[]> {
    const champion = this.champions.get(instance)?.model.version;
    const out: ModelVersionInfo[] = [];
    for (const version of await this.versionNames(instance)) {
      const model = await this.get(instance, version);
      if (!model) continue;
      out.push({
        instance,
        version: model.version,
        kind: model.kind,
        parent: model.parent,
        createdAt: model.createdAt,
        validationError: model.validationError,
        trainingMs: model.trainingMs,
        champion: model.version === champion,
        decision: model.decision ?? { status: 'champion', reason: 'first version', decidedAt: model.createdAt },
      });
    }
    return out;
  }

  /** Stores a new version with the decision taken on it; a champion decision makes it the one in use. */
  async publish(model: TwinModel, artifacts: NetworkArtifacts | undefined, decision: VersionDecision): Promise<void> {
    const folder = `models/${instanceKey(model.instance)}/${model.version}`;
    if (artifacts) {
      await this.objects.put(`${folder}/weights.bin`, Buffer.from(artifacts.weightData));
      await this.objects.put(
        `${folder}/model.json`,
        JSON.stringify({
          format: TFJS_FORMAT,
          generatedBy: 'twin',
          modelTopology: artifacts.modelTopology,
          weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
        })
      );
    }
    // Metadata last: a version is listed only once everything it needs is stored.
    await this.objects.put(`${folder}/metadata.json`, JSON.stringify({ ...model, decision }));
    if (decision.status === 'champion') await this.makeChampion(model.instance, model.version, decision.reason);
  }

  /**
   * Finishes a publication cut short after the version was stored (its worker died before the
   * champion pointer was written): a version decided champion that the pointer has not reached yet
   * becomes champion now. Later versions or an operator's choice since are left as they are.
   */
  async finishPublish(instance: string, version: string): Promise<void> {
    const model = await this.get(instance, version);
    if (model?.decision?.status !== 'champion') return;
    const pointer = await this.pointer(instance);
    const reached = (v: string) => Number(v.slice(1)) >= Number(version.slice(1));
    if (pointer && (reached(pointer.version) || pointer.history.some((h) => reached(h.version)))) return;
    await this.makeChampion(instance, version, model.decision.reason);
  }

  /** Makes a stored version the champion (an operator's decision); the current one goes into the history. */
  async promote(instance: string, version: string, reason = 'promoted by an operator'): Promise<TwinModel> {
    if (!(await this.get(instance, version))) throw new Error(`no version ${version} of ${instance}`);
    await this.makeChampion(instance, version, reason);
    return this.champions.get(instance)!.model;
  }

  /** Returns to the champion before the current one. */
  async rollback(instance: string): Promise<TwinModel> {
    const pointer = await this.pointer(instance);
    const previous = pointer?.history.at(-1);
    if (!pointer || !previous) throw new Error(`${instance} has no earlier champion to roll back to`);
    await this.activate(instance, previous.version);
    await this.writePointer(instance, {
      version: previous.version,
      since: Date.now(),
      reason: `rolled back from ${pointer.version}`,
      history: pointer.history.slice(0, -1),
    });
    this.emit('champion', instance, `rolled back from ${pointer.version}`);
    return this.champions.get(instance)!.model;
  }

  private async makeChampion(instance: string, version: string, reason: string): Promise<void> {
    await this.activate(instance, version);
    const pointer = await this.pointer(instance);
    // Promoting the champion again keeps its history: it must not become its own rollback target.
    if (pointer?.version === version) return;
    const history = pointer
      ? [...pointer.history, { version: pointer.version, since: pointer.since, reason: pointer.reason }]
      : [];
    await this.writePointer(instance, { version, since: Date.now(), reason, history: history.slice(-50) });
    this.emit('champion', instance, reason);
  }

  /** Loads a version (and its weights, checksum checked) as the one in use. */
  private async activate(instance: string, version: string): Promise<void> {
    const model = await this.get(instance, version);
    if (!model) throw new Error(`no version ${version} of ${instance}`);
    let weights;
    if (model.kind === 'lstm') {
      const artifacts = await this.artifacts(instance, version);
      if (!artifacts) throw new Error(`${instance} ${version}: the network's files are missing`);
      if (checksumOf(artifacts) !== model.checksum)
        throw new Error(`${instance} ${version}: weights do not match their checksum`);
      weights = weightsFromArtifacts(artifacts, model.network);
    }
    this.champions.set(instance, { model, weights });
  }

  private async pointer(instance: string): Promise<ChampionPointer | undefined> {
    const body = await this.objects.get(`models/${instanceKey(instance)}/champion.json`);
    if (!body) return undefined;
    const p = JSON.parse(body.toString()) as Partial<ChampionPointer> & { version: string };
    return { version: p.version, since: p.since ?? 0, reason: p.reason ?? '', history: p.history ?? [] };
  }

  private writePointer(instance: string, pointer: ChampionPointer): Promise<void> {
    return this.objects.put(`models/${instanceKey(instance)}/champion.json`, JSON.stringify(pointer));
  }

  private async versionNames(instance: string): Promise<string[]> {
    return (await this.objects.list(`models/${instanceKey(instance)}/`))
      .filter((k) => k.endsWith('/metadata.json'))
      .map((k) => k.split('/')[2]!)
      .sort();
  }
}
