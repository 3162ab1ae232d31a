import type { PredictionInput, RemediationEngine } from './remediation-engine.ts';

/** An action's predicted effect, as the what-if ranks it. */
export interface ActionEffect {
  action: { type: string };
  probability: number;
  drop: number;
}

/**
 * Holds an instance's predictions against the remediation policies, with each action's predicted
 * effect. The what-if runs only when a prediction reaches some policy's probability; an instance
 * with no twin to simulate with is decided without effects.
 */
export async function remediatePredictions(
  engine: RemediationEngine,
  instance: string,
  predictions: readonly Omit<PredictionInput, 'instance'>[],
  recommend: () => readonly ActionEffect[]
): Promise<void> {
  const { policies } = engine.config;
  if (policies.length === 0) return;
  const inputs = predictions.map((p) => ({ instance, ...p }));
  const lowest = Math.min(...policies.map((p) => p.minProbability));
  let effects: Record<string, unknown> = {};
  if (inputs.some((p) => p.probability >= lowest)) {
    try {
      effects = Object.fromEntries(
        recommend().map((r) => [r.action.type, { probability: r.probability, drop: r.drop }])
      );
    } catch {
      // No live LSTM twin to simulate with: the decision goes without a predicted effect.
    }
  }
  await engine.evaluate(inputs, effects);
}
