import type { ObjectStore } from '../store/index.ts';
import type { TwinModel } from './baseline-model.ts';

export interface ModelVersionInfo {
  instance: string;
  version: string;
  parent?: string | undefined;
  createdAt: number;
  validationError: number;
  champion: boolean;
}

/**
 * Versioned twin models in the object store: `models/<instance>/<version>/model.json` and a
 * `models/<instance>/champion.json` pointer. Champions are cached in memory for inference.
 */
export class ModelRegistry {
  private readonly champions = new Map<string, TwinModel>();

  constructor(private readonly objects: ObjectStore) {}

  /** Loads every instance's champion (at start-up, so that a restart continues from stored state). */
  async loadChampions(): Promise<number> {
    const pointers = (await this.objects.list('models')).filter((k) => k.endsWith('/champion.json'));
    for (const key of pointers) {
      const instance = key.split('/')[1]!;
      const pointer = JSON.parse((await this.objects.get(key))!.toString()) as { version: string };
      const model = await this.get(instance, pointer.version);
      if (model) this.champions.set(instance, model);
    }
    return this.champions.size;
  }

  champion(instance: string): TwinModel | undefined {
    return this.champions.get(instance);
  }

  async nextVersion(instance: string): Promise<string> {
    const versions = await this.versions(instance);
    const last = versions.reduce((max, v) => Math.max(max, Number(v.version.slice(1)) || 0), 0);
    return `v${String(last + 1).padStart(4, '0')}`;
  }

  async get(instance: string, version: string): Promise<TwinModel | undefined> {
    const body = await this.objects.get(`models/${instance}/${version}/model.json`);
    return body ? (JSON.parse(body.toString()) as TwinModel) : undefined;
  }

  async versions(instance: string): Promise<ModelVersionInfo[]> {
    const keys = (await this.objects.list(`models/${instance}/`)).filter((k) => k.endsWith('/model.json'));
    const champion = this.champions.get(instance)?.version;
    const out: ModelVersionInfo[] = [];
    for (const key of keys) {
      const model = await this.get(instance, key.split('/')[2]!);
      if (!model) continue;
      out.push({
        instance,
        version: model.version,
        parent: model.parent,
        createdAt: model.createdAt,
        validationError: model.validationError,
        champion: model.version === champion,
      });
    }
    return out;
  }

  /** Stores a new version and makes it the champion. */
  async publish(model: TwinModel): Promise<void> {
    await this.objects.put(`models/${model.instance}/${model.version}/model.json`, JSON.stringify(model));
    await this.objects.put(`models/${model.instance}/champion.json`, JSON.stringify({ version: model.version }));
    this.champions.set(model.instance, model);
  }
}
